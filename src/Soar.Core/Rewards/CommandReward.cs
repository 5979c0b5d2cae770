using System.Diagnostics;
using System.Globalization;
using Soar.Core.Imaging;

namespace Soar.Core.Rewards;

/// <summary>
/// "command:&lt;command line&gt;": a user's own scorer. For each image the command runs once with the path of a PNG of
/// that image appended as its last argument and must print one number (the reward) on stdout and exit with 0.
/// Images are scored in parallel, one process per core; each run has a timeout.
/// </summary>
public sealed class CommandReward : IReward
{
    private readonly string _executable;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string _workingDirectory;

    public string Name { get; }
    public string CommandLine { get; }
    public TimeSpan Timeout { get; }

    /// <param name="baseDirectory">where a relative script path is looked up and the command runs (the project folder).</param>
    public CommandReward(string commandLine, string baseDirectory, TimeSpan timeout)
    {
        IReadOnlyList<string> words;
        try { words = CommandLineWords.Split(commandLine); }
        catch (ArgumentException e) { throw new RewardException($"reward command: {e.Message}", e); }
        if (words.Count == 0) throw new RewardException("reward 'command:' names no command; write e.g. Reward=\"command:python3 score.py\"");
        if (timeout <= TimeSpan.Zero) throw new RewardException($"reward command timeout must be positive, got {timeout.TotalSeconds} s");
        CommandLine = commandLine;
        Name = $"{RewardCatalog.CommandPrefix}{commandLine}";
        Timeout = timeout;
        _workingDirectory = Path.GetFullPath(baseDirectory);
        var first = words[0];
        // A word with a slash is a path (relative to the project); a bare name is looked up on PATH by the OS.
        _executable = first.Contains('/') ? Path.GetFullPath(first, _workingDirectory) : first;
        if (first.Contains('/') && !File.Exists(_executable))
            throw new RewardException($"reward command '{commandLine}': {_executable} does not exist");
        _arguments = words.Skip(1).ToArray();
    }

    public double[] Score(IReadOnlyList<RgbImage> images, IReadOnlyList<RewardPrompt> prompts, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"soar-reward-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var scores = new double[images.Count];
        try
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
            Parallel.For(0, images.Count, options, i =>
            {
                var path = Path.Combine(folder, $"{i:0000}.png");
                ImageCodec.SavePng(images[i], path);
                scores[i] = ScoreFile(path, cancellationToken);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is RewardException) is { } first)
        {
            throw first;
        }
        Directory.Delete(folder, recursive: true);
        return scores;
    }

    /// <summary>Runs the command on one image file and parses its output; failures name the command, the image and the output.</summary>
    public double ScoreFile(string imagePath, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(_executable)
        {
            WorkingDirectory = _workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in _arguments) start.ArgumentList.Add(a);
        start.ArgumentList.Add(imagePath);
        using var process = new Process { StartInfo = start };
        try { process.Start(); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new RewardException($"reward command '{CommandLine}' could not start ({e.Message}); check the program exists and is executable", e);
        }
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new RewardException($"reward command '{CommandLine}' on image {imagePath} did not finish within {Timeout.TotalSeconds:0.###} s (the image is kept for a retry by hand); raise RewardTimeout or speed the scorer up");
        }
        process.WaitForExit();
        string output = stdout.Result, errors = stderr.Result;
        if (process.ExitCode != 0)
            throw new RewardException($"reward command '{CommandLine}' on image {imagePath} exited with code {process.ExitCode}; stdout: '{Tail(output)}'; stderr: '{Tail(errors)}'");
        var text = output.Trim();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new RewardException($"reward command '{CommandLine}' on image {imagePath} printed '{Tail(output)}' where one finite number was expected (e.g. 0.75); stderr: '{Tail(errors)}'");
        return value;
    }

    private static string Tail(string text)
    {
        var t = text.Trim();
        return t.Length <= 400 ? t : "..." + t[^400..];
    }
}
