namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>Files a curate stage reads from outside its Source folder (AllowOutsideSource) are inputs of its build.</summary>
[Collection(BuildCollection.Name)]
public sealed class OutsideSourceTests(ToolingFixture tooling)
{
    [Fact]
    public void Editing_a_file_outside_the_source_or_a_symlink_target_reruns_the_stage()
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject("""<Stage Include="data" Kind="curate" Source="images" AllowOutsideSource="true" ImageSize="8" ValidationFraction="0" />""");
        var images = Directory.CreateDirectory(Path.Combine(project.Dir, "images")).FullName;
        var shared = Directory.CreateDirectory(Path.Combine(project.Dir, "shared")).FullName;
        var rng = new Random(1);
        void Bmp(string path) => NoiseBmp.Write(path, rng);
        Bmp(Path.Combine(shared, "x.bmp"));
        Bmp(Path.Combine(shared, "y.bmp"));
        Bmp(Path.Combine(images, "in.bmp"));
        File.CreateSymbolicLink(Path.Combine(images, "link.bmp"), Path.Combine(shared, "y.bmp"));
        File.WriteAllText(Path.Combine(images, "captions.csv"), "file_name,caption\n../shared/x.bmp,outside\nlink.bmp,linked\nin.bmp,inside\n");

        var first = project.Build();
        Assert.True(first.Succeeded, first.ToString());
        Assert.Equal(["data"], first.Ran);
        Assert.Equal("shared/x.bmp\nshared/y.bmp\n", File.ReadAllText(Path.Combine(project.StageDir("data"), "outside-files.txt")));
        Assert.Equal(["data"], project.Build().Skipped);

        Bmp(Path.Combine(shared, "x.bmp"));
        var afterOutsideEdit = project.Build();
        Assert.True(afterOutsideEdit.Succeeded, afterOutsideEdit.ToString());
        Assert.Equal(["data"], afterOutsideEdit.Ran);
        Assert.Equal(["data"], project.Build().Skipped);

        Bmp(Path.Combine(shared, "y.bmp"));
        Assert.Equal(["data"], project.Build().Ran);
    }
}
