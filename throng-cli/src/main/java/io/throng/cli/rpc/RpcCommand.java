package io.throng.cli.rpc;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code throng rpc}: the tRPC tools. */
@Command(name = "rpc", mixinStandardHelpOptions = true,
        description = "Serves and measures tRPC over throng: an echo server, multiplexed versus pooled clients.",
        subcommands = {RpcServeCommand.class, RpcBenchCommand.class})
public final class RpcCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
