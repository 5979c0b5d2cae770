// The tests capture the process-wide Console.Error, so they run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
