using Soar.Core.Curation;

namespace Soar.Core.Tests.Curation;

public sealed class FilterRulesTests
{
    [Fact]
    public void CaptionRulesApplyIncludeExcludeAndLength()
    {
        var rules = new CaptionRules(include: "circle|square", exclude: "(?i)watermark", minLength: 5, maxLength: 20);
        Assert.Null(rules.Reject("a red circle"));
        Assert.Contains("CaptionInclude", rules.Reject("a red star"));
        Assert.Contains("CaptionExclude", rules.Reject("circle WATERMARK"));
        Assert.Contains("MaxCaptionLength", rules.Reject("a very long caption with a circle"));
        Assert.Contains("MinCaptionLength", new CaptionRules("", "", 5, 0).Reject("abc"));
        Assert.Null(new CaptionRules("", "", 0, 0).Reject(""));
    }

    [Fact]
    public void BadRegexNamesTheParameter()
    {
        var e = Assert.Throws<ArgumentException>(() => new CaptionRules("(", "", 0, 0));
        Assert.Contains("CaptionInclude", e.Message);
    }

    [Fact]
    public void ImageRulesApplyMinSideAndAspect()
    {
        var rules = new ImageRules(minSide: 16, maxAspectRatio: 2);
        Assert.Null(rules.Reject(32, 16));
        Assert.Contains("MinImageSide", rules.Reject(40, 15));
        Assert.Contains("MaxAspectRatio", rules.Reject(100, 40));
        Assert.Null(new ImageRules(0, 0).Reject(1000, 1));
        Assert.Throws<ArgumentException>(() => new ImageRules(0, 0.5));
    }
}
