using Soar.Bench;

return BenchmarkCommand.Run(args);
