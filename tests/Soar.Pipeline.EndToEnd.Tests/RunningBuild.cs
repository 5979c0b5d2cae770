using System.Diagnostics;
using System.Text;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>A `dotnet build` left running while a test acts on it (scancel, requeue), its output collected as it comes.</summary>
internal sealed class RunningBuild : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public RunningBuild(SoarProject project, params string[] extraArguments)
    {
        var info = DotnetBuild.StartInfo(project.Dir, ["build", project.ProjectPath, "-nologo", "-v:n", "-nodeReuse:false", .. extraArguments]);
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Waits until the output matches <paramref name="pattern"/> and returns the match; fails with the output if the build ends first.</summary>
    public System.Text.RegularExpressions.Match WaitFor(string pattern)
    {
        while (true)
        {
            var match = System.Text.RegularExpressions.Regex.Match(Output, pattern, System.Text.RegularExpressions.RegexOptions.Multiline);
            if (match.Success) return match;
            if (_process.HasExited || _clock.Elapsed > DotnetBuild.HangGuard)
                throw new InvalidOperationException($"the build {(_process.HasExited ? "ended" : "hung")} before printing /{pattern}/:\n{Output}");
            Thread.Sleep(100);
        }
    }

    public BuildResult Finish()
    {
        if (!_process.WaitForExit(DotnetBuild.HangGuard)) throw new TimeoutException($"the build did not finish in {DotnetBuild.HangGuard}:\n{Output}");
        _process.WaitForExit();
        return new BuildResult(_process.ExitCode, Output, _clock.Elapsed);
    }

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(); }
        _process.Dispose();
    }
}
