using Soar.Core.Rewards;

namespace Soar.Core.Tests.Rewards;

public class CommandLineWordsTests
{
    [Fact]
    public void Splits_like_a_shell_without_expansion()
    {
        Assert.Equal(["python3", "my score.py", "--k", "a\"b", "c d"], CommandLineWords.Split("python3 'my score.py'  --k \"a\\\"b\" c\\ d"));
        Assert.Empty(CommandLineWords.Split("   "));
        Assert.Throws<ArgumentException>(() => CommandLineWords.Split("python3 'open"));
    }
}
