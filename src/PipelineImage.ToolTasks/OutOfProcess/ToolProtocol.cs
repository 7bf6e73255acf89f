using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Build.Framework;

namespace PipelineImage.OutOfProcess;

/// <summary>
/// What a ToolTask (net472) and the tool (net8.0) say to each other; compiled into both. The request file names the
/// task, the task node (for errors without a file of their own) and every parameter value; the response file holds
/// the task's outputs. Both are XML (System.Xml is in every .NET). On standard output the tool writes one event a
/// line: a message as "high: text", "normal: text" or "low: text" (line breaks escaped), an error or warning in MSBuild's canonical form,
/// "file(line,col): error PIMG1234: text", which the ToolTask logs with its code, file, position and help link.
/// </summary>
internal static class ToolProtocol
{
    /// <summary>The line on the tool's standard input that cancels the task (as Ctrl+C does in process).</summary>
    public const string CancelLine = "cancel";

    private static readonly Regex Diagnostic = new(
        @"^(?<origin>.*?)(?:\((?<line>\d+)(?:,(?<column>\d+))?\))?: (?<kind>error|warning) (?<code>[A-Z]+\d+): (?<text>.*)$",
        RegexOptions.CultureInvariant);

    public static void WriteRequest(string path, ToolRequest request)
    {
        var root = new XElement("request",
            new XAttribute("task", request.Task),
            new XAttribute("projectFile", request.ProjectFile),
            new XAttribute("line", request.Line.ToString(CultureInfo.InvariantCulture)),
            new XAttribute("column", request.Column.ToString(CultureInfo.InvariantCulture)),
            request.Parameters.Select(Element));
        Write(path, root);
    }

    public static ToolRequest ReadRequest(string path)
    {
        var root = Read(path, "request");
        return new ToolRequest(
            Attribute(root, "task"),
            Attribute(root, "projectFile"),
            int.Parse(Attribute(root, "line"), CultureInfo.InvariantCulture),
            int.Parse(Attribute(root, "column"), CultureInfo.InvariantCulture),
            root.Elements("parameter").Select(Parameter).ToList());
    }

    public static void WriteResponse(string path, IEnumerable<ToolParameter> outputs) => Write(path, new XElement("response", outputs.Select(Element)));

    public static IReadOnlyList<ToolParameter> ReadResponse(string path) => Read(path, "response").Elements("parameter").Select(Parameter).ToList();

    /// <summary>The message as one line with its importance; its line breaks and backslashes escaped (\n, \r, \\).</summary>
    public static string FormatMessage(MessageImportance importance, string? message)
    {
        var tag = importance switch { MessageImportance.High => "high", MessageImportance.Normal => "normal", _ => "low" };
        return tag + ": " + (message ?? "").Replace("\\", "\\\\").Replace("\r", "\\r").Replace("\n", "\\n");
    }

    /// <summary>The canonical form; a message of several lines is one line (the Error List shows one).</summary>
    public static string FormatDiagnostic(string kind, string? code, string? file, int line, int column, string? message)
    {
        var origin = string.IsNullOrEmpty(file) ? "PipelineImage" : file!;
        if (line > 0)
        {
            origin += column > 0
                ? string.Format(CultureInfo.InvariantCulture, "({0},{1})", line, column)
                : string.Format(CultureInfo.InvariantCulture, "({0})", line);
        }

        return $"{origin}: {kind} {code}: {string.Join(" ", Lines(message))}";
    }

    public static bool TryParseMessage(string line, out MessageImportance importance, out string text)
    {
        foreach (var (tag, value) in new[] { ("high: ", MessageImportance.High), ("normal: ", MessageImportance.Normal), ("low: ", MessageImportance.Low) })
        {
            if (line.StartsWith(tag, StringComparison.Ordinal))
            {
                importance = value;
                text = Unescape(line.Substring(tag.Length));
                return true;
            }
        }

        importance = MessageImportance.Low;
        text = "";
        return false;
    }

    public static bool TryParseDiagnostic(string line, out ToolDiagnostic diagnostic)
    {
        var match = Diagnostic.Match(line);
        diagnostic = match.Success
            ? new ToolDiagnostic(match.Groups["kind"].Value, match.Groups["code"].Value, match.Groups["origin"].Value,
                Number(match.Groups["line"]), Number(match.Groups["column"]), match.Groups["text"].Value)
            : default;
        return match.Success;
    }

    /// <summary>
    /// The parameters of a task class: the public properties declared below <paramref name="root"/> (the shared
    /// base, whose own parameters are for the ToolTask, not for the tool), by name.
    /// </summary>
    public static IReadOnlyList<PropertyInfo> ParametersOf(Type task, Type root)
    {
        var found = new List<PropertyInfo>();
        for (var type = task; type is not null && type != root; type = type.BaseType)
        {
            found.AddRange(type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(p => p.CanRead && p.CanWrite));
        }

        return found.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    public static bool IsOutput(PropertyInfo property) => property.GetCustomAttributes(typeof(OutputAttribute), inherit: true).Length > 0;

    public static ToolParameter ToParameter(string name, object? value) => value switch
    {
        ITaskItem[] items => ToolParameter.OfItems(name, items.Select(ToItem).ToList()),
        string[] list => ToolParameter.OfList(name, list),
        bool flag => ToolParameter.OfText(name, flag ? "true" : "false"),
        _ => ToolParameter.OfText(name, value?.ToString() ?? ""),
    };

    /// <summary>The value of a parameter for a property of <paramref name="type"/>; items are made by <paramref name="item"/>.</summary>
    public static object FromParameter(ToolParameter parameter, Type type, Func<ToolItem, ITaskItem> item) =>
        type == typeof(ITaskItem[]) ? parameter.Items.Select(item).ToArray()
        : type == typeof(string[]) ? parameter.List.ToArray()
        : type == typeof(bool) ? string.Equals(parameter.Text, "true", StringComparison.OrdinalIgnoreCase)
        : type == typeof(string) ? parameter.Text
        : throw new NotSupportedException($"The parameter {parameter.Name} is a {type.Name}, which the tool protocol does not carry.");

    private static ToolItem ToItem(ITaskItem item)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry entry in item.CloneCustomMetadata())
        {
            metadata[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        foreach (var name in ToolItem.WellKnownMetadata)
        {
            try
            {
                metadata[name] = item.GetMetadata(name);
            }
            catch (InvalidOperationException)
            {
                // A spec that is no path (a pip specifier on Windows) has no FullPath; the task never asks for it.
            }
        }

        return new ToolItem(item.ItemSpec, metadata);
    }

    private static string Unescape(string escaped)
    {
        var text = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] == '\\' && i + 1 < escaped.Length)
            {
                text.Append(escaped[++i] switch { 'n' => '\n', 'r' => '\r', var other => other });
            }
            else
            {
                text.Append(escaped[i]);
            }
        }

        return text.ToString();
    }

    private static int Number(Group group) => group.Success ? int.Parse(group.Value, CultureInfo.InvariantCulture) : 0;

    private static IEnumerable<string> Lines(string? message) =>
        (message ?? "").Replace("\r\n", "\n").Split('\n');

    private static XElement Element(ToolParameter parameter) => parameter.Kind switch
    {
        ToolParameterKind.Text => new XElement("parameter", new XAttribute("name", parameter.Name), parameter.Text),
        ToolParameterKind.List => new XElement("parameter", new XAttribute("name", parameter.Name), new XAttribute("kind", "list"),
            parameter.List.Select(value => new XElement("value", value))),
        _ => new XElement("parameter", new XAttribute("name", parameter.Name), new XAttribute("kind", "items"),
            parameter.Items.Select(item => new XElement("item", new XAttribute("spec", item.Spec),
                item.Metadata.Select(pair => new XElement("metadata", new XAttribute("name", pair.Key), pair.Value))))),
    };

    private static ToolParameter Parameter(XElement element)
    {
        var name = Attribute(element, "name");
        return (string?)element.Attribute("kind") switch
        {
            null => ToolParameter.OfText(name, element.Value),
            "list" => ToolParameter.OfList(name, element.Elements("value").Select(value => value.Value).ToList()),
            "items" => ToolParameter.OfItems(name, element.Elements("item").Select(item => new ToolItem(Attribute(item, "spec"),
                item.Elements("metadata").ToDictionary(metadata => Attribute(metadata, "name"), metadata => metadata.Value, StringComparer.OrdinalIgnoreCase)))
                .ToList()),
            var other => throw new InvalidDataException($"The parameter {name} has an unknown kind '{other}'."),
        };
    }

    private static string Attribute(XElement element, string name) =>
        (string?)element.Attribute(name) ?? throw new InvalidDataException($"<{element.Name}> has no {name}.");

    // Written next to its final name and moved over it: a reader never sees half a file.
    private static void Write(string path, XElement root)
    {
        var partial = path + ".partial";
        // CheckCharacters off: a control character an MSBuild value may hold is written as a character reference and
        // read back as itself.
        using (var writer = XmlWriter.Create(partial, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, CheckCharacters = false }))
        {
            root.WriteTo(writer);
        }

        if (File.Exists(path))
        {
            File.Delete(path);
        }

        File.Move(partial, path);
    }

    private static XElement Read(string path, string name)
    {
        XElement? root;
        using (var reader = XmlReader.Create(path, new XmlReaderSettings { CheckCharacters = false }))
        {
            root = XDocument.Load(reader, LoadOptions.PreserveWhitespace).Root;
        }

        return root is not null && root.Name == name ? root : throw new InvalidDataException($"{path} is no <{name}> file.");
    }
}

internal enum ToolParameterKind
{
    Text,
    List,
    Items,
}

/// <summary>A parameter value: text (a string or bool), a list (string[]) or items (ITaskItem[]).</summary>
internal sealed class ToolParameter
{
    private ToolParameter(string name, ToolParameterKind kind, string text, IReadOnlyList<string> list, IReadOnlyList<ToolItem> items)
    {
        Name = name;
        Kind = kind;
        Text = text;
        List = list;
        Items = items;
    }

    public string Name { get; }

    public ToolParameterKind Kind { get; }

    public string Text { get; }

    public IReadOnlyList<string> List { get; }

    public IReadOnlyList<ToolItem> Items { get; }

    public static ToolParameter OfText(string name, string text) => new(name, ToolParameterKind.Text, text, Array.Empty<string>(), Array.Empty<ToolItem>());

    public static ToolParameter OfList(string name, IReadOnlyList<string> list) => new(name, ToolParameterKind.List, "", list, Array.Empty<ToolItem>());

    public static ToolParameter OfItems(string name, IReadOnlyList<ToolItem> items) => new(name, ToolParameterKind.Items, "", Array.Empty<string>(), items);
}

/// <summary>An item: its spec and the metadata the task may read (custom, and the well-known that need no file system).</summary>
internal sealed class ToolItem
{
    /// <summary>Well-known metadata that a task cannot compute from the spec alone in another process.</summary>
    public static readonly string[] WellKnownMetadata =
    [
        "FullPath", "RootDir", "Filename", "Extension", "RelativeDir", "Directory", "RecursiveDir",
        "DefiningProjectFullPath", "DefiningProjectDirectory", "DefiningProjectName", "DefiningProjectExtension",
    ];

    public ToolItem(string spec, IDictionary<string, string> metadata)
    {
        Spec = spec;
        Metadata = new SortedDictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
    }

    public string Spec { get; }

    public SortedDictionary<string, string> Metadata { get; }
}

/// <param name="Task">The task's class name, as in the UsingTask.</param>
/// <param name="ProjectFile">The file of the task node, for errors without a file of their own.</param>
/// <param name="Line">The task node's line.</param>
/// <param name="Column">The task node's column.</param>
/// <param name="Parameters">Every parameter but the outputs.</param>
internal sealed record ToolRequest(string Task, string ProjectFile, int Line, int Column, IReadOnlyList<ToolParameter> Parameters);

/// <summary>An error or warning as the tool printed it.</summary>
internal readonly record struct ToolDiagnostic(string Kind, string Code, string File, int Line, int Column, string Text);

