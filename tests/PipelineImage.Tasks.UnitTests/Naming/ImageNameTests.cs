using PipelineImage.Diagnostics;
using PipelineImage.Naming;

namespace PipelineImage.Tests.Naming;

public class ImageNameTests
{
    [Theory]
    [InlineData("HelloPipeline", "hellopipeline")]
    [InlineData("Hello.Pipeline", "hello.pipeline")]
    [InlineData("My_App", "my_app")]
    [InlineData("My App!", "my-app")]
    [InlineData("a+b#c", "a-b-c")]
    [InlineData("__lead.trail--", "lead.trail")]
    [InlineData("a.-_b", "a.b")]
    [InlineData("Ünïcode9", "n-code9")]
    public void DerivesAValidNameFromTheAssemblyName(string assemblyName, string expected)
    {
        var name = ImageName.FromAssemblyName(assemblyName);

        Assert.Equal(expected, name);
        ImageName.Validate(name);
    }

    [Fact]
    public void CutsDerivedNamesToTheMaximumLength()
    {
        var name = ImageName.FromAssemblyName(new string('a', 300));

        Assert.Equal(ImageName.MaxNameLength, name.Length);
    }

    [Theory]
    [InlineData("ÄÖÜ")]
    [InlineData("---")]
    [InlineData("")]
    public void AnAssemblyNameWithNothingUsableIsPimg2001(string assemblyName)
    {
        var error = Assert.Throws<PipelineImageException>(() => ImageName.FromAssemblyName(assemblyName));

        Assert.Equal(DiagnosticCodes.AssemblyNameNotUsableAsImageName, error.ResourceName);
        Assert.StartsWith("PIMG2001: ", error.Message);
    }

    [Theory]
    [InlineData("app")]
    [InlineData("team/app")]
    [InlineData("a__b/c-d/e.f")]
    [InlineData("a---b")]
    [InlineData("localhost/app")]
    [InlineData("localhost:5000/team/app")]
    [InlineData("registry.example.com/app")]
    [InlineData("127.0.0.1:5000/app")]
    [InlineData("[::1]:5000/app")]
    public void AcceptsValidNames(string name) => ImageName.Validate(name);

    [Theory]
    [InlineData("App", "'App' is not a valid path component")]
    [InlineData("app:1.0", "it has a tag")]
    [InlineData("app@sha256:abc", "it has a digest")]
    [InlineData("team//app", "empty path component")]
    [InlineData("a___b", "'a___b' is not a valid path component")]
    [InlineData("-app", "not a valid path component")]
    [InlineData("app name", "not a valid path component")]
    [InlineData("bad_host.example.com/app", "not a valid registry host")]
    [InlineData("app;rm -rf /", "not a valid path component")]
    [InlineData("app\nFROM evil", "not a valid path component")]
    [InlineData("", "it is empty")]
    public void RejectsInvalidNamesWithPimg2002SayingWhy(string name, string why)
    {
        var error = Assert.Throws<PipelineImageException>(() => ImageName.Validate(name));

        Assert.Equal(DiagnosticCodes.InvalidImageName, error.ResourceName);
        Assert.Contains(why, error.Message);
        Assert.Contains("PipelineImageName", error.Message);
    }

    [Theory]
    [InlineData("1.2.3+abc", "1.2.3-abc")]
    [InlineData("1.0.0", "1.0.0")]
    public void TagFromVersionReplacesPlus(string version, string tag) => Assert.Equal(tag, ImageName.TagFromVersion(version));

    [Theory]
    [InlineData("latest")]
    [InlineData("1.2.3-beta.1")]
    [InlineData("_x")]
    [InlineData("A_b.C-d")]
    public void AcceptsValidTags(string tag) => ImageName.ValidateTag(tag);

    [Theory]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("-dash")]
    [InlineData("with space")]
    [InlineData("a/b")]
    [InlineData("a:b")]
    [InlineData("ü")]
    public void RejectsInvalidTagsWithPimg2003(string tag)
    {
        var error = Assert.Throws<PipelineImageException>(() => ImageName.ValidateTag(tag));

        Assert.Equal(DiagnosticCodes.InvalidTag, error.ResourceName);
    }

    [Fact]
    public void RejectsTagsLongerThan128Characters()
    {
        ImageName.ValidateTag(new string('a', 128));
        Assert.Throws<PipelineImageException>(() => ImageName.ValidateTag(new string('a', 129)));
    }

    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0")]
    [InlineData("ubuntu")]
    [InlineData("localhost:5000/base:1")]
    [InlineData("base@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("r.example.com/base:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void AcceptsValidBaseReferences(string reference) => ImageName.ValidateReference(reference);

    [Theory]
    [InlineData("Ubuntu:22.04")]
    [InlineData("ubuntu:")]
    [InlineData("ubuntu:bad tag")]
    [InlineData("ubuntu@nodigest")]
    [InlineData("ubuntu 22.04")]
    [InlineData("ubuntu\nRUN evil")]
    public void RejectsInvalidBaseReferencesWithPimg2005(string reference)
    {
        var error = Assert.Throws<PipelineImageException>(() => ImageName.ValidateReference(reference));

        Assert.Equal(DiagnosticCodes.InvalidBaseImage, error.ResourceName);
        Assert.Contains("PipelineImageBase", error.Message);
    }
}
