namespace PipelineImage.Diagnostics;

/// <summary>
/// Collects the errors of checks that do not depend on each other, so that one publish reports every invalid
/// property and item at once, each with its own code, instead of only the first.
/// </summary>
internal sealed class Problems
{
    private readonly List<PipelineImageException> _found = [];

    public bool Any => _found.Count > 0;

    /// <summary>Records a problem; the problems of a <see cref="PipelineImageProblemsException"/> each.</summary>
    public void Add(PipelineImageException problem) => _found.Add(problem);

    /// <summary>Runs a check: its value, or the type's default when it failed (and the failure is recorded).</summary>
    public T? Check<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (PipelineImageException e)
        {
            Add(e);
        }
        catch (PipelineImageProblemsException e)
        {
            _found.AddRange(e.Problems);
        }

        return default;
    }

    /// <summary>Throws what was found: the one problem itself, or all of them together.</summary>
    public void ThrowIfAny()
    {
        if (_found.Count == 1)
        {
            throw _found[0];
        }

        if (_found.Count > 1)
        {
            throw new PipelineImageProblemsException(_found.ToList());
        }
    }
}

/// <summary>Several problems found together; the tasks log each as its own coded error.</summary>
internal sealed class PipelineImageProblemsException(IReadOnlyList<PipelineImageException> problems)
    : Exception(string.Join(Environment.NewLine, problems.Select(problem => problem.Message)))
{
    public IReadOnlyList<PipelineImageException> Problems { get; } = problems;
}
