using Soar.Core.Imaging;
using Soar.Core.Rewards;
using Soar.Core.Tests.Data;

namespace Soar.Core.Tests.Rewards;

public class CommandRewardTests : IDisposable
{
    private readonly TestDirectory _dir = new();
    private static readonly RewardPrompt[] Prompts = [new("a red circle"), new("a blue square")];
    // The reward's own timeout for scripts that should finish: as long as CI's limit, so a loaded machine never trips it.
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(90);

    private static RgbImage Solid(byte r, byte g, byte b)
    {
        var image = new RgbImage(4, 4);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) image[x, y] = (r, g, b);
        return image;
    }

    private string Script(string name, string body)
    {
        var path = _dir.File(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public void Each_image_reaches_the_command_as_a_png_and_its_number_is_the_reward()
    {
        // The script keeps a copy of what it got and scores by file name, so order and content are both checked.
        var kept = Directory.CreateDirectory(_dir.File("kept")).FullName;
        Script("my scorer.sh", $"cp \"$1\" '{kept}/'\ncase \"$1\" in *0000.png) echo 0.25 ;; *) echo '  1e-1 ' ;; esac");
        var reward = RewardCatalog.Create("command:sh 'my scorer.sh'", null, _dir.Path, Generous);
        var images = new[] { Solid(200, 10, 10), Solid(10, 10, 200) };
        Assert.Equal(new[] { 0.25, 0.1 }, reward.Score(images, Prompts));
        Assert.Equal(images[0].Pixels, ImageCodec.Decode(File.ReadAllBytes(Path.Combine(kept, "0000.png")), "0000.png").Pixels);
        Assert.Equal(images[1].Pixels, ImageCodec.Decode(File.ReadAllBytes(Path.Combine(kept, "0001.png")), "0001.png").Pixels);
        Assert.Equal("command:sh 'my scorer.sh'", reward.Name);
    }

    [Fact]
    public void Output_that_is_not_one_number_names_the_command_the_image_and_the_output()
    {
        var script = Script("chatty.sh", "echo 'score is 0.5'");
        var reward = new CommandReward(script, _dir.Path, Generous);
        var e = Assert.Throws<RewardException>(() => reward.Score([Solid(1, 2, 3)], Prompts[..1]));
        Assert.Contains(script, e.Message);
        Assert.Contains("0000.png", e.Message);
        Assert.Contains("'score is 0.5'", e.Message);
    }

    [Fact]
    public void A_failing_command_reports_its_exit_code_and_stderr()
    {
        var script = Script("broken.sh", "echo 'model file missing' >&2\nexit 3");
        var e = Assert.Throws<RewardException>(() => new CommandReward(script, _dir.Path, Generous).Score([Solid(1, 2, 3)], Prompts[..1]));
        Assert.Contains("exited with code 3", e.Message);
        Assert.Contains("model file missing", e.Message);
    }

    [Fact]
    public void A_non_finite_number_is_rejected()
    {
        var e = Assert.Throws<RewardException>(() => new CommandReward(Script("nan.sh", "echo NaN"), _dir.Path, Generous).Score([Solid(1, 2, 3)], Prompts[..1]));
        Assert.Contains("'NaN'", e.Message);
    }

    [Fact]
    public void A_command_that_hangs_is_killed_at_the_timeout()
    {
        var reward = new CommandReward(Script("slow.sh", "sleep 30\necho 1"), _dir.Path, TimeSpan.FromSeconds(0.5));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<RewardException>(() => reward.Score([Solid(1, 2, 3)], Prompts[..1]));
        Assert.Contains("did not finish within 0.5 s", e.Message);
        Assert.True(clock.Elapsed < Generous);
    }

    [Fact]
    public void A_missing_script_or_an_unknown_reward_is_a_clear_error()
    {
        var e = Assert.Throws<RewardException>(() => RewardCatalog.Create("command:./nope.sh --fast", null, _dir.Path, TimeSpan.FromSeconds(1)));
        Assert.Contains(_dir.File("nope.sh"), e.Message);
        var unknown = Assert.Throws<RewardException>(() => RewardCatalog.Create("aesthetic", null, _dir.Path, TimeSpan.FromSeconds(1)));
        Assert.Contains("red", unknown.Message);
        Assert.Throws<RewardException>(() => RewardCatalog.Create("command:   ", null, _dir.Path, TimeSpan.FromSeconds(1)));
    }

    public void Dispose() => _dir.Dispose();
}
