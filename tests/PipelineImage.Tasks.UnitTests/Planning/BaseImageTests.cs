using PipelineImage.Diagnostics;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

public class BaseImageTests
{
    [Theory]
    [InlineData("v10.0", false, false, false, "mcr.microsoft.com/dotnet/runtime:10.0")]
    [InlineData("v8.0", false, false, false, "mcr.microsoft.com/dotnet/runtime:8.0")]
    [InlineData("v9.0", true, false, false, "mcr.microsoft.com/dotnet/aspnet:9.0")]
    [InlineData("v10.0", false, true, false, "mcr.microsoft.com/dotnet/runtime-deps:10.0")]
    [InlineData("v10.0", true, true, false, "mcr.microsoft.com/dotnet/runtime-deps:10.0")]
    [InlineData("v10.0", false, false, true, "mcr.microsoft.com/dotnet/runtime-deps:10.0")]
    public void ChoosesAsTheSdkDoes(string version, bool web, bool selfContained, bool aot, string expected)
    {
        var app = PlannerTestData.App() with
        {
            TargetFrameworkVersion = version,
            UsesAspNetCore = web,
            SelfContained = selfContained,
            PublishAot = aot,
        };

        Assert.Equal(expected, BaseImage.Choose(app));
    }

    [Theory]
    [InlineData(".NETFramework", "v4.8")]
    [InlineData(".NETStandard", "v2.0")]
    [InlineData(".NETCoreApp", "v3.1")]
    [InlineData(".NETCoreApp", "")]
    public void NoDefaultForOtherFrameworksIsPimg2004(string identifier, string version)
    {
        var app = PlannerTestData.App() with { TargetFrameworkIdentifier = identifier, TargetFrameworkVersion = version };

        var error = Assert.Throws<PipelineImageException>(() => BaseImage.Choose(app));

        Assert.Equal(DiagnosticCodes.NoDefaultBaseImage, error.ResourceName);
        Assert.Contains("PipelineImageBase", error.Message);
    }
}
