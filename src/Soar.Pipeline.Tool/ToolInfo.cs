using System.Reflection;

namespace Soar.Pipeline.Tool;

/// <summary>The soar tool's own version (without the source revision suffix, so rebuilds of one commit agree).</summary>
public static class ToolInfo
{
    public static string Version { get; } =
        typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
