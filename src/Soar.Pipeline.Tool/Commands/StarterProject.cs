namespace Soar.Pipeline.Tool.Commands;

/// <summary>The text of the starter .soarproj that `soar new` writes.</summary>
public static class StarterProject
{
    public static string Text(string? sdkDir, string version)
    {
        var (open, propsImport, targetsImport) = sdkDir is null
            ? ($"<Project Sdk=\"Soar.Pipeline.Sdk/{version}\">", "", "")
            : ("<Project>", $"\n  <Import Project=\"{Path.Combine(sdkDir, "Sdk.props")}\" />\n", $"\n  <Import Project=\"{Path.Combine(sdkDir, "Sdk.targets")}\" />");
        return $$"""
        <!--
          A Soar.Pipeline project. `dotnet build` runs the stages below in dependency order and skips every
          stage whose kind, parameters, upstream outputs and tool version are unchanged.
          Outputs: .soar/<stage>/ (artefacts + manifest.json). List kinds and parameters: `soar stage kinds`.
        -->
        {{open}}{{propsImport}}
          <ItemGroup>
            <!-- Curate: a Parquet dataset from the built-in shapes world (or Source="path/to/folder"). -->
            <Stage Include="data" Kind="curate" Source="shapes" Count="2000" Seed="0" />

            <!-- SFT: flow-matching training of a tiny model from scratch on the curated data. -->
            <Stage Include="base" Kind="sft" Upstream="data" Preset="tiny" Steps="200" Seed="0" />

            <!-- Sample: a grid of images for the held-out prompts. -->
            <Stage Include="grid" Kind="sample" Upstream="base" Count="16" Steps="20" Cfg="4.5" />
          </ItemGroup>
        {{targetsImport}}
        </Project>

        """;
    }
}
