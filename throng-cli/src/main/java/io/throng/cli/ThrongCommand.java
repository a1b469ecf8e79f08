package io.throng.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code throng} command. */
@Command(name = "throng", mixinStandardHelpOptions = true, versionProvider = ThrongCommand.Version.class,
        description = "A network engine for servers that hold very many connections, and the tools that prove it.",
        subcommands = {ServeCommand.class, io.throng.cli.load.LoadCommand.class,
                io.throng.cli.bench.BenchCommand.class, io.throng.cli.rpc.RpcCommand.class,
                io.throng.cli.push.PushCommand.class,
                CommandLine.HelpCommand.class})
public final class ThrongCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        Logging.configure();
        int code = commandLine().execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** The command line with throng's error handling: a clear message, no stack trace, for expected failures. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ThrongCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException) {
                line.getErr().println("throng " + line.getCommandName() + ": " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ThrongCommand.class.getPackage().getImplementationVersion();
            return new String[] {"throng " + (v == null ? "(development build)" : v),
                    "JDK " + Runtime.version() + " on " + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }
    }
}
