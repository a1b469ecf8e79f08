package io.throng.core;

import java.util.List;

/**
 * A live view of a running component and its parts, for an operator ({@code GET /dump} on the
 * admin port, {@code Server.dump}): loops, their connections by state, pools, timers. A node names
 * itself, states a few facts ("connections 12034", "queued 0 B") and holds its parts. Bounded: a
 * node for a million connections gives counts and the first few of each, never all of them.
 *
 * @param name     what this is ("loop throng-loop-0", "buffers")
 * @param facts    short statements about it, in order
 * @param children its parts
 */
public record Dump(String name, List<String> facts, List<Dump> children) {

    public Dump {
        facts = List.copyOf(facts);
        children = List.copyOf(children);
    }

    public static Dump of(String name, List<String> facts) {
        return new Dump(name, facts, List.of());
    }

    /** As an indented tree, one node a line: {@code name: fact, fact} with its parts below it. */
    public String toText() {
        StringBuilder out = new StringBuilder();
        append(out, "", "");
        return out.toString();
    }

    private void append(StringBuilder out, String lead, String childLead) {
        out.append(lead).append(name);
        if (!facts.isEmpty()) {
            out.append(": ").append(String.join(", ", facts));
        }
        out.append('\n');
        for (int i = 0; i < children.size(); i++) {
            boolean last = i == children.size() - 1;
            children.get(i).append(out, childLead + (last ? "`- " : "+- "), childLead + (last ? "   " : "|  "));
        }
    }
}
