using PipelineImage.Definitions;
using PipelineImage.Diagnostics;

namespace PipelineImage.Tests.Definitions;

/// <summary>@(PipelineDefinition): each placeholder replaced by its step's image by digest, or every problem before anything is written.</summary>
public sealed class PipelineDefinitionsTests : IDisposable
{
    private const string Train = "localhost:5000/train@sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Evaluate = "localhost:5000/evaluate@sha256:2222222222222222222222222222222222222222222222222222222222222222";

    private static readonly IReadOnlyList<StepImage> Steps = [new("Train", Train), new("Evaluate", Evaluate), new("Shared", null, "it made no image")];

    private readonly string _root = Directory.CreateTempSubdirectory("pimg-definitions-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void EveryPlaceholderBecomesItsStepsPinnedReferenceAndNothingElseChanges()
    {
        const string pod = """
            # The training pipeline, step by step.
            apiVersion: v1
            kind: Pod
            spec:
              containers:
                - name: train
                  image: pipelineimage://Train   # by digest once written
                - name: evaluate
                  image: "pipelineimage://evaluate"
                - name: again
                  image: pipelineimage://Train
            """;

        var (_, text) = Assert.Single(PipelineDefinitions.Render([new DefinitionFile("pod.yaml", "out/pod.yaml")], Steps, _ => pod));

        Assert.Equal(pod.Replace("pipelineimage://Train", Train, StringComparison.Ordinal).Replace("pipelineimage://evaluate", Evaluate, StringComparison.Ordinal), text);
    }

    [Fact]
    public void EveryProblemOfEveryFileIsReportedWithItsFileAndLine()
    {
        var texts = new Dictionary<string, string>
        {
            ["pod.yaml"] = "image: pipelineimage://Train\nimage: pipelineimage://Trian\n",
            ["compose.yaml"] = "services:\n  shared:\n    image: pipelineimage://Shared\n  x:\n    image: pipelineimage://\n  y:\n    image: 'pipelineimage://Tr@in'\n",
        };

        var problems = ProblemsOf(() => PipelineDefinitions.Render(
            [new DefinitionFile("pod.yaml", "out/pod.yaml"), new DefinitionFile("compose.yaml", "out/compose.yaml")], Steps, path => texts[path]));

        Assert.Equal(
            [
                "PIMG2055: pod.yaml line 2: pipelineimage://Trian names no step of this project: the steps are its ProjectReferences (Evaluate, Shared, Train).",
                "PIMG2056: compose.yaml line 3: pipelineimage://Shared names the step Shared, whose image has no digest in a registry: it made no image.",
                "PIMG2057: compose.yaml line 5: 'pipelineimage://' is left where a step's image goes",
                "PIMG2057: compose.yaml line 7: 'pipelineimage://Tr@in' is left where a step's image goes",
            ],
            problems.Select(problem => problem.ResourceName == DiagnosticCodes.InvalidDefinitionPlaceholder
                ? problem.Message[..(problem.Message.IndexOf(" goes", StringComparison.Ordinal) + 5)]
                : problem.Message[..(problem.Message.IndexOf(". ", StringComparison.Ordinal) + 1)]));
    }

    [Fact]
    public async Task NothingIsWrittenWhenOneDefinitionHasAProblemAndAnUnchangedOneIsNotRewritten()
    {
        var good = Definition("pod.yaml", "image: pipelineimage://Train\n");
        var bad = Definition("workflow.yaml", "image: pipelineimage://Nope\n");
        var output = Path.Combine(_root, "out");

        var problem = await Assert.ThrowsAsync<PipelineImageException>(() => PipelineDefinitions.WriteAsync(PipelineDefinitions.Plan([good, bad], output), Steps));
        Assert.Equal(DiagnosticCodes.UnknownDefinitionStep, problem.ResourceName);
        Assert.False(Directory.Exists(output));

        var first = await PipelineDefinitions.WriteAsync(PipelineDefinitions.Plan([good], output), Steps);
        var again = await PipelineDefinitions.WriteAsync(PipelineDefinitions.Plan([good], output), Steps);

        Assert.Equal([(Path.Combine(output, "pod.yaml"), true)], first);
        Assert.Equal([(Path.Combine(output, "pod.yaml"), false)], again);
        Assert.Equal($"image: {Train}\n", File.ReadAllText(Path.Combine(output, "pod.yaml")));
    }

    [Fact]
    public void AMissingDefinitionTwoOfOneNameAndOneWrittenOverItselfArePimg2058()
    {
        var here = Definition("pod.yaml", "");
        Directory.CreateDirectory(Path.Combine(_root, "other"));
        var other = Path.Combine(_root, "other", "pod.yaml");
        File.WriteAllText(other, "");

        var problems = ProblemsOf(() => PipelineDefinitions.Plan([here, other, Path.Combine(_root, "missing.yaml")], Path.Combine(_root, "out")));
        var itself = ProblemsOf(() => PipelineDefinitions.Plan([here], _root));

        Assert.All(problems.Concat(itself), problem => Assert.Equal(DiagnosticCodes.InvalidDefinition, problem.ResourceName));
        Assert.Contains("has the file name of", problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("missing.yaml' does not exist", problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("would be written over itself", Assert.Single(itself).Message, StringComparison.Ordinal);
    }

    // What a check reported: one problem is thrown as itself, several together.
    private static IReadOnlyList<PipelineImageException> ProblemsOf(Action check)
    {
        var thrown = Assert.ThrowsAny<Exception>(check);
        return thrown switch
        {
            PipelineImageProblemsException several => several.Problems,
            PipelineImageException one => [one],
            _ => throw thrown,
        };
    }

    private string Definition(string name, string text)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }
}
