using Xunit.Abstractions;
using Xunit.Sdk;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>Runs a class's tests in the order of their method names (for tests that overlap with a build their fixture started).</summary>
public sealed class ByNameOrderer : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}
