using System.CommandLine;
using Soar.Pipeline.Tool.Commands;

namespace Soar.Pipeline.Tool;

/// <summary>The soar command tree.</summary>
public static class SoarCommandLine
{
    public static RootCommand Create(IServiceProvider services)
    {
        var root = new RootCommand("soar: runs Soar.Pipeline stages, samples checkpoints and scaffolds .soarproj files.");
        root.Add(StageCommand.Create());
        root.Add(SampleCommand.Create());
        root.Add(EvalCommand.Create());
        root.Add(VerifyCommand.Create());
        root.Add(InfoCommand.Create());
        root.Add(NewCommand.Create());
        root.Add(PackCommand.Create());
        root.Add(PushCommand.Create());
        root.Add(ModelCommand.Create());
        return root;
    }
}
