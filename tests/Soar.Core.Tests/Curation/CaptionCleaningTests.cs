using Soar.Core.Curation;

namespace Soar.Core.Tests.Curation;

public sealed class CaptionCleaningTests
{
    [Fact]
    public void A_plain_caption_is_kept_as_it_is()
    {
        Assert.Equal(("a red circle", null, null), CaptionCleaning.Clean("a red circle"));
    }

    [Theory]
    [InlineData("a red\ncircle", 1)]
    [InlineData("a red\r\n\tcircle ", 3)]
    [InlineData("a red\u2028circle", 1)]
    public void Line_breaks_and_tabs_become_single_spaces_and_the_row_says_so(string caption, int replaced)
    {
        var (cleaned, note, rejected) = CaptionCleaning.Clean(caption);

        Assert.Equal("a red circle", cleaned);
        Assert.Equal($"caption cleaned: {replaced} line break(s) or tab(s) replaced by spaces", note);
        Assert.Null(rejected);
    }

    [Theory]
    [InlineData("a red\u001b[31m circle", "U+001B at character 6")]
    [InlineData("\u0000nul", "U+0000 at character 1")]
    [InlineData("del\u007f", "U+007F at character 4")]
    [InlineData("abc\u202Eevil", "U+202E at character 4")]
    public void Other_control_characters_reject_the_row_naming_the_character(string caption, string expected)
    {
        var (cleaned, _, rejected) = CaptionCleaning.Clean(caption);

        Assert.Null(cleaned);
        Assert.Contains(expected, rejected);
    }
}
