using System.Text.Json;
using System.Text.RegularExpressions;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// @(PipelineDefinition) end to end: a solution of two step projects (train, evaluate) and a definitions project that
/// references them, published once, pushes both steps and writes a Kubernetes Pod, an Argo Workflow and a Compose file
/// with each step's image by digest; `podman kube play` runs the Pod from the registry by those digests.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class DefinitionsTests(PackageFeed feed)
{
    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: NAME
        spec:
          restartPolicy: Never
          containers:
            - name: train
              image: pipelineimage://Train
            - name: evaluate
              image: pipelineimage://Evaluate
        """;

    private const string Workflow = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: training-
        spec:
          entrypoint: pipeline
          templates:
            - name: pipeline
              steps:
                - - name: train
                    template: train
                - - name: evaluate
                    template: evaluate
            - name: train
              container:
                image: pipelineimage://Train
            - name: evaluate
              container:
                image: pipelineimage://Evaluate
        """;

    private const string Compose = """
        services:
          train:
            image: "pipelineimage://Train"
          evaluate:
            image: "pipelineimage://Evaluate"
            depends_on:
              train:
                condition: service_completed_successfully
        """;

    [EngineFact]
    public async Task ASolutionPublishPushesEachStepOnceAndWritesEveryDefinitionByDigestWhichPodmanRuns()
    {
        // The definitions project is the test project (no image of its own); the steps are beside it.
        var properties = """
            <PipelineImageEnabled>false</PipelineImageEnabled>
            <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
            """;
        var items = """
            <Compile Include="Program.cs" />
            <PipelineDefinition Include="deploy/*.yaml" />
            <ProjectReference Include="Train/Train.csproj" ReferenceOutputAssembly="false" />
            <ProjectReference Include="Evaluate/Evaluate.csproj" ReferenceOutputAssembly="false" />
            """;
        await using var project = new TestProject(feed, properties: properties, items: items);
        var prefix = project.ImageName;
        foreach (var step in new[] { "Train", "Evaluate" })
        {
            WriteStep(project, step, prefix, feed.Version);
        }

        var deploy = Directory.CreateDirectory(Path.Combine(project.Directory, "deploy")).FullName;
        var podName = $"{prefix}-pod";
        await File.WriteAllTextAsync(Path.Combine(deploy, "pod.yaml"), Pod.Replace("NAME", podName, StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(deploy, "workflow.yaml"), Workflow);
        await File.WriteAllTextAsync(Path.Combine(deploy, "compose.yaml"), Compose);
        var output = Path.Combine(project.Directory, "bin", "Release", "net10.0", "pipeline");
        var names = new[] { $"127.0.0.1:5000/{prefix}-train", $"127.0.0.1:5000/{prefix}-evaluate" };
        try
        {
            var solution = await project.BashAsync("dotnet new sln -n Pipeline --format sln >/dev/null && dotnet sln Pipeline.sln add App.csproj Train/Train.csproj Evaluate/Evaluate.csproj");
            Assert.True(solution.ExitCode == 0, solution.ToString());

            var first = await project.BashAsync("dotnet publish Pipeline.sln -c Release -nodeReuse:false -v:n");

            Assert.True(first.ExitCode == 0, first.ToString());
            // Each step built, and pushed, once.
            Assert.Single(Regex.Matches(first.Output, $@"Pushed {Regex.Escape(names[0])}:1\.0\.0 "));
            Assert.Single(Regex.Matches(first.Output, $@"Pushed {Regex.Escape(names[1])}:1\.0\.0 "));
            var train = Pinned(project, "Train");
            var evaluate = Pinned(project, "Evaluate");
            Assert.Matches($@"^{Regex.Escape(names[0])}@sha256:[0-9a-f]{{64}}$", train);
            Assert.Matches($@"^{Regex.Escape(names[1])}@sha256:[0-9a-f]{{64}}$", evaluate);
            foreach (var (file, template) in new[] { ("pod.yaml", Pod.Replace("NAME", podName, StringComparison.Ordinal)), ("workflow.yaml", Workflow), ("compose.yaml", Compose) })
            {
                Assert.Equal(template.Replace("pipelineimage://Train", train, StringComparison.Ordinal).Replace("pipelineimage://Evaluate", evaluate, StringComparison.Ordinal),
                    await File.ReadAllTextAsync(Path.Combine(output, file)));
            }

            // Podman runs the Pod from the registry, each container in its step's image by digest.
            var play = await Cli.Podman.RunAsync("kube", "play", Path.Combine(output, "pod.yaml"));
            Assert.True(play.ExitCode == 0, play.ToString());
            foreach (var (container, pinned, says) in new[] { ("train", train, "step Train"), ("evaluate", evaluate, "step Evaluate") })
            {
                var name = $"{podName}-{container}";
                Assert.Equal(0, (await Cli.Podman.RunAsync("wait", name)).ExitCode);
                Assert.Equal(says, (await Cli.Podman.RunAsync("logs", name)).Output.Trim());
                Assert.Equal(pinned, (await Cli.Podman.RunAsync("inspect", "--format", "{{.ImageName}}", name)).Output.Trim());
            }

            // Unchanged: no definition rewritten.
            var written = Directory.GetFiles(output).ToDictionary(file => file, File.GetLastWriteTimeUtc);
            var unchanged = await project.BashAsync("dotnet publish Pipeline.sln -c Release -nodeReuse:false -v:n");

            Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
            Assert.Equal(3, Regex.Matches(unchanged.Output, "The pipeline definition .* is up to date").Count);
            Assert.All(written, file => Assert.Equal(file.Value, File.GetLastWriteTimeUtc(file.Key)));

            // A one-line change in one step changes that step's reference alone, in every definition.
            await File.AppendAllTextAsync(Path.Combine(project.Directory, "Train", "Program.cs"), "Console.WriteLine(\"changed\");\n");
            var changed = await project.BashAsync("dotnet publish Pipeline.sln -c Release -nodeReuse:false -v:n");

            Assert.True(changed.ExitCode == 0, changed.ToString());
            var newTrain = Pinned(project, "Train");
            Assert.NotEqual(train, newTrain);
            Assert.Equal(evaluate, Pinned(project, "Evaluate"));
            foreach (var file in new[] { "pod.yaml", "workflow.yaml", "compose.yaml" })
            {
                var text = await File.ReadAllTextAsync(Path.Combine(output, file));
                Assert.Contains(newTrain, text, StringComparison.Ordinal);
                Assert.DoesNotContain(train, text, StringComparison.Ordinal);
                Assert.Contains(evaluate, text, StringComparison.Ordinal);
            }

            // A placeholder that names no step stops the publish before any definition is written.
            await File.WriteAllTextAsync(Path.Combine(deploy, "job.yaml"), "image: pipelineimage://Tran\n");
            var unknown = await project.PublishAsync();

            Assert.True(unknown.ExitCode != 0, unknown.ToString());
            Assert.Contains("error PIMG2055: ", unknown.Output);
            Assert.Contains("job.yaml line 1: pipelineimage://Tran names no step of this project: the steps are its ProjectReferences (Evaluate, Train).", unknown.Output);
            Assert.False(File.Exists(Path.Combine(output, "job.yaml")));
        }
        finally
        {
            await Cli.Podman.RunAsync("pod", "rm", "--force", podName);
            foreach (var name in names)
            {
                await Cli.Podman.RemoveRepositoryAsync(name);
                await Cli.Docker.RemoveRepositoryAsync(name);
            }
        }
    }

    // A step: an app that says its name, pushed to the loopback registry under the test's prefix.
    private static void WriteStep(TestProject project, string step, string prefix, string packageVersion)
    {
        var directory = Directory.CreateDirectory(Path.Combine(project.Directory, step)).FullName;
        File.WriteAllText(Path.Combine(directory, $"{step}.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <PipelineImageName>{prefix}-{step.ToLowerInvariant()}</PipelineImageName>
                <PipelineImageRegistry>127.0.0.1:5000</PipelineImageRegistry>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PipelineImage.Tasks" Version="{packageVersion}" PrivateAssets="all" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), $"Console.WriteLine(\"step {step}\");\n");
    }

    // What the step's push wrote where a CI job finds it: bin/pipelineimage.json.
    private static string Pinned(TestProject project, string step)
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(project.Directory, step, "bin", "pipelineimage.json")));
        return file.RootElement.GetProperty("image").GetString()!;
    }
}
