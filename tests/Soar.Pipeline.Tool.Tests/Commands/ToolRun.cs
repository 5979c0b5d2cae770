namespace Soar.Pipeline.Tool.Tests.Commands;

/// <summary>Runs the `soar` command line in process and captures what it prints.</summary>
internal static class ToolRun
{
    public static (int Exit, string Output, string Error) Soar(params string[] args)
    {
        var (previousOut, previousError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        Console.SetOut(output);
        Console.SetError(error);
        try { return (SoarCommandLine.Create(null!).Parse(args).Invoke(), output.ToString(), error.ToString()); }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }
}
