namespace Soar.Pipeline.Tasks;

/// <summary>A build error about the pipeline declaration: a SOAR1xxx code, a message that says what to do, and where.</summary>
public sealed record PipelineDiagnostic(string Code, string Message, string File, int Line)
{
    public override string ToString() => $"{File}({Line}): error {Code}: {Message}";
}
