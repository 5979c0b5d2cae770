using System.Security;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>The files `soar new` writes: the starter .soarproj and, in package form, the nuget.config that finds the SDK.</summary>
public static class StarterProject
{
    public const string SdkPackageId = "Soar.Pipeline.Sdk";

    /// <summary>The .soarproj: imports <paramref name="sdkDir"/>'s props/targets, or names the SDK package and the worker to run.</summary>
    public static string Text(string? sdkDir, string version, string? toolPath)
    {
        var (open, propsImport, targetsImport) = sdkDir is null
            ? ($"<Project Sdk=\"{SdkPackageId}/{version}\">", "", "")
            : ("<Project>", $"\n  <Import Project=\"{Escape(Path.Combine(sdkDir, "Sdk.props"))}\" />\n", $"\n  <Import Project=\"{Escape(Path.Combine(sdkDir, "Sdk.targets"))}\" />");
        // Package form: the worker that wrote this project runs its stages (an import of a clone builds its own).
        var tool = sdkDir is null && toolPath is not null
            ? $"""

              <PropertyGroup>
                <!-- The soar worker that runs the stages (soar.dll or an executable; empty = `soar` on PATH). -->
                <SoarToolPath>{Escape(toolPath)}</SoarToolPath>
              </PropertyGroup>
            """
            : "";
        return $$"""
        <!--
          A Soar.Pipeline project. `dotnet build` runs the stages below in dependency order and skips every
          stage whose kind, parameters, upstream outputs and tool version are unchanged.
          Outputs: .soar/<stage>/ (artefacts + manifest.json). List kinds and parameters: `soar stage kinds`.
        -->
        {{open}}{{propsImport}}{{tool}}
          <ItemGroup>
            <!-- Curate: a Parquet dataset from the built-in shapes world (or Source="path/to/folder"). -->
            <Stage Include="data" Kind="curate" Source="shapes" Count="2000" Seed="0" />

            <!-- SFT: flow-matching training of a tiny model from scratch on the curated data. -->
            <Stage Include="base" Kind="sft" Upstream="data" Preset="tiny" Steps="200" Seed="0" />

            <!-- Sample: a grid of images for the world's held-out prompts (custom data: add the curate stage to Upstream). -->
            <Stage Include="grid" Kind="sample" Upstream="base" Count="16" Steps="20" Cfg="4.5" />
          </ItemGroup>
        {{targetsImport}}
        </Project>

        """;
    }

    /// <summary>nuget.config next to the project: the local feed that holds the SDK package, and nothing else.</summary>
    public static string NuGetConfig(string feed) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <!-- Written by `soar new`: where `dotnet build` finds {SdkPackageId}. Add your model feeds below it. -->
        <configuration>
          <packageSources>
            <clear />
            <add key="soar-local" value="{Escape(feed)}" />
          </packageSources>
        </configuration>

        """;

    private static string Escape(string text) => SecurityElement.Escape(text);
}
