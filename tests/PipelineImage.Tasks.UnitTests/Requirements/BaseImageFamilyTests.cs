using PipelineImage.Requirements;

namespace PipelineImage.Tests.Requirements;

public class BaseImageFamilyTests
{
    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0", nameof(OsFamily.Debian), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0.11", nameof(OsFamily.Debian), false)]
    [InlineData("mcr.microsoft.com/dotnet/aspnet:10.0-preview.3", nameof(OsFamily.Debian), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime", nameof(OsFamily.Debian), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:latest", nameof(OsFamily.Debian), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0-bookworm-slim", nameof(OsFamily.Debian), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble", nameof(OsFamily.Debian), false)]
    [InlineData("mcr.microsoft.com/dotnet/aspnet:8.0-jammy", nameof(OsFamily.Debian), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", nameof(OsFamily.Debian), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-alpine", nameof(OsFamily.Alpine), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime-deps:8.0-alpine3.20-amd64", nameof(OsFamily.Alpine), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-azurelinux3.0", nameof(OsFamily.AzureLinux), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0-cbl-mariner2.0", nameof(OsFamily.AzureLinux), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled", nameof(OsFamily.Distroless), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled-extra", nameof(OsFamily.Distroless), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-azurelinux3.0-distroless", nameof(OsFamily.Distroless), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0-nanoserver-ltsc2022", nameof(OsFamily.Unknown), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:8.0-windowsservercore-ltsc2022", nameof(OsFamily.Unknown), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-something-new", nameof(OsFamily.Unknown), false)]
    [InlineData("mcr.microsoft.com/dotnet/runtime@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", nameof(OsFamily.Unknown), false)]
    [InlineData("mcr.microsoft.com/dotnet/nightly/runtime:10.0-alpine", nameof(OsFamily.Alpine), false)]
    [InlineData("MCR.microsoft.com/dotnet/runtime:10.0-Alpine", nameof(OsFamily.Alpine), false)]
    [InlineData("debian:bookworm-slim", nameof(OsFamily.Debian), false)]
    [InlineData("docker.io/library/debian:12", nameof(OsFamily.Debian), false)]
    [InlineData("ubuntu:24.04", nameof(OsFamily.Debian), false)]
    [InlineData("library/ubuntu", nameof(OsFamily.Debian), false)]
    [InlineData("buildpack-deps:bookworm", nameof(OsFamily.Debian), false)]
    [InlineData("alpine:3.20", nameof(OsFamily.Alpine), false)]
    [InlineData("public.ecr.aws/docker/library/alpine:3", nameof(OsFamily.Alpine), false)]
    [InlineData("python:3.12-slim-bookworm", nameof(OsFamily.Debian), true)]
    [InlineData("python:3.12-alpine", nameof(OsFamily.Alpine), true)]
    [InlineData("mcr.microsoft.com/mirror/docker/library/python:3.11", nameof(OsFamily.Debian), true)]
    [InlineData("python:3.12-windowsservercore", nameof(OsFamily.Unknown), false)]
    [InlineData("mcr.microsoft.com/azurelinux/base/core:3.0", nameof(OsFamily.AzureLinux), false)]
    [InlineData("mcr.microsoft.com/azurelinux/base/python:3.12", nameof(OsFamily.AzureLinux), true)]
    [InlineData("mcr.microsoft.com/cbl-mariner/base/core:2.0", nameof(OsFamily.AzureLinux), false)]
    [InlineData("mcr.microsoft.com/azurelinux/distroless/base:3.0", nameof(OsFamily.Distroless), false)]
    [InlineData("gcr.io/distroless/base-debian12", nameof(OsFamily.Distroless), false)]
    [InlineData("registry.example.com/team/debian:12", nameof(OsFamily.Unknown), false)]
    [InlineData("localhost:5000/alpine", nameof(OsFamily.Unknown), false)]
    [InlineData("myorg/python", nameof(OsFamily.Unknown), false)]
    [InlineData("fedora:40", nameof(OsFamily.Unknown), false)]
    public void GuessesTheFamilyFromTheReference(string reference, string family, bool hasPython)
    {
        Assert.Equal(new BaseImageTraits(Enum.Parse<OsFamily>(family), hasPython), BaseImageFamily.Detect(reference));
    }

    [Theory]
    [InlineData(nameof(OsFamily.Debian), nameof(OsPackageManager.Apt))]
    [InlineData(nameof(OsFamily.Alpine), nameof(OsPackageManager.Apk))]
    [InlineData(nameof(OsFamily.AzureLinux), nameof(OsPackageManager.Tdnf))]
    [InlineData(nameof(OsFamily.Unknown), null)]
    [InlineData(nameof(OsFamily.Distroless), null)]
    public void FamiliesHaveTheirManager(string family, string? manager) =>
        Assert.Equal(manager is null ? null : Enum.Parse<OsPackageManager>(manager), OsPackageManagers.Of(Enum.Parse<OsFamily>(family)));

    [Theory]
    [InlineData("apt", nameof(OsPackageManager.Apt))]
    [InlineData(" APK ", nameof(OsPackageManager.Apk))]
    [InlineData("Tdnf", nameof(OsPackageManager.Tdnf))]
    public void ManagerNamesParse(string name, string expected)
    {
        Assert.True(OsPackageManagers.TryParse(name, out var manager));
        Assert.Equal(Enum.Parse<OsPackageManager>(expected), manager);
        Assert.Equal(name.Trim().ToLowerInvariant(), manager.Name());
    }

    [Theory]
    [InlineData("")]
    [InlineData("yum")]
    [InlineData("dnf")]
    [InlineData("apt-get")]
    [InlineData("pip")]
    public void OtherManagerNamesDoNot(string name) => Assert.False(OsPackageManagers.TryParse(name, out _));
}
