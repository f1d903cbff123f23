package dev.internvl.image;

import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/** Small lookups in ImageIO's native metadata trees. */
final class MetadataNodes {

    private MetadataNodes() {
    }

    /** The first child of {@code parent} named {@code name}, or {@code null}. */
    static Node child(Node parent, String name) {
        for (Node n = parent == null ? null : parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (name.equals(n.getNodeName())) {
                return n;
            }
        }
        return null;
    }

    /** All children of {@code parent} named {@code name}. */
    static List<Node> children(Node parent, String name) {
        List<Node> found = new ArrayList<>();
        for (Node n = parent == null ? null : parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (name.equals(n.getNodeName())) {
                found.add(n);
            }
        }
        return found;
    }

    /** The value of attribute {@code name} of {@code node}, or {@code null}. */
    static String attribute(Node node, String name) {
        NamedNodeMap attributes = node == null ? null : node.getAttributes();
        Node a = attributes == null ? null : attributes.getNamedItem(name);
        return a == null ? null : a.getNodeValue();
    }

    /** The integer value of attribute {@code name}, or {@code fallback} when absent. */
    static int intAttribute(Node node, String name, int fallback) {
        String value = attribute(node, name);
        return value == null ? fallback : Integer.parseInt(value);
    }

    /**
     * The colours of a palette node whose children carry {@code index}, {@code red}, {@code green} and
     * {@code blue} attributes (PNG's {@code PLTEEntry}, GIF's {@code ColorTableEntry}), as {@code 0xRRGGBB}
     * indexed by entry, or {@code null} when there is no such node.
     */
    static int[] palette(Node table, String entryName) {
        if (table == null) {
            return null;
        }
        List<Node> entries = children(table, entryName);
        int[] rgb = new int[entries.size()];
        for (Node e : entries) {
            int index = intAttribute(e, "index", -1);
            if (index >= 0 && index < rgb.length) {
                rgb[index] = intAttribute(e, "red", 0) << 16 | intAttribute(e, "green", 0) << 8
                        | intAttribute(e, "blue", 0);
            }
        }
        return rgb;
    }
}
