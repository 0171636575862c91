using Herenow.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Herenow.Tests.Deployment;

/// <summary>The repository's deployment files, read the way Docker and compose read them.</summary>
public static class RepoFiles
{
    public static string Root { get; } = PeerScripts.RepoRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    public static bool Exists(string relative) =>
        File.Exists(PathOf(relative.TrimEnd('/'))) || Directory.Exists(PathOf(relative.TrimEnd('/')));

    public static YamlMappingNode Compose()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Read("compose.yaml")));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>A mapping's entries with YAML merge keys (<c>&lt;&lt;: *anchor</c>) applied, as compose applies them.</summary>
    public static Dictionary<string, YamlNode> Entries(YamlNode node)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var mapping = (YamlMappingNode)node;
        if (mapping.Children.TryGetValue(new YamlScalarNode("<<"), out var merged))
        {
            var sources = merged is YamlSequenceNode list ? list.Children : [merged];
            foreach (var source in sources)
            {
                foreach (var (key, value) in Entries(source))
                {
                    result[key] = value;
                }
            }
        }
        foreach (var (key, value) in mapping.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (name != "<<")
            {
                result[name] = value;
            }
        }
        return result;
    }

    public static string Text(YamlNode node) => ((YamlScalarNode)node).Value!;

    public static YamlNode? Get(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode || !Entries(node).TryGetValue(key, out var next))
            {
                return null;
            }
            node = next;
        }
        return node;
    }
}
