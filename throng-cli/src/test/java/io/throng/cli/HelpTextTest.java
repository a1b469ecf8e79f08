package io.throng.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What a newcomer reads first: the command lists in {@code throng --help}, {@code throng load
 * --help} and {@code throng rpc --help}. picocli lists each command by the first line of its
 * description, so that line must be a whole sentence on its own (it once read "Drives a server
 * with 8-byte timestamp echoes (pingpong, connrate, hold: run it against").
 */
class HelpTextTest {

    @Test
    void everyCommandIsListedWithAWholeSentence() {
        List<String> bad = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        walk(ThrongCommand.commandLine(), bad, seen);
        assertThat(seen).as("commands walked").contains("throng", "throng serve", "throng load ws-broadcast",
                "throng rpc bench", "throng push", "throng bench");
        assertThat(bad).as("summaries that are not a whole sentence").isEmpty();
    }

    @Test
    void theTopLevelHelpListsEachCommandInFull() {
        String help = ThrongCommand.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertThat(help).contains("Drives a server and checks every answer")
                .doesNotContain("run it against");
    }

    private static void walk(CommandLine cl, List<String> bad, List<String> seen) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        if (spec.userObject() instanceof CommandLine.HelpCommand) {
            return; // picocli's own
        }
        seen.add(spec.qualifiedName());
        String[] description = spec.usageMessage().description();
        String first = description.length == 0 ? "" : description[0].strip();
        if (!first.endsWith(".") || first.length() > 110 || !Character.isUpperCase(first.charAt(0))) {
            bad.add(spec.qualifiedName() + ": \"" + first + "\"");
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            walk(sub, bad, seen);
        }
    }
}
