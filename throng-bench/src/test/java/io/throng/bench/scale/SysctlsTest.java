package io.throng.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checking, raising and restoring kernel settings, on a directory laid out like /proc/sys. */
class SysctlsTest {

    private static void put(Path root, String name, String value) throws Exception {
        Path p = root.resolve(name.replace('.', '/'));
        Files.createDirectories(p.getParent());
        Files.writeString(p, value + "\n");
    }

    @Test
    void raisesWhatIsTooLowLeavesTheRestAndRestoresInReverse(@TempDir Path root) throws Exception {
        put(root, "net.core.somaxconn", "4096");
        put(root, "net.netfilter.nf_conntrack_max", "262144");
        put(root, "net.ipv4.ip_local_port_range", "32768\t60999");
        Sysctls s = new Sysctls(root);

        Sysctls.Outcome o = s.apply(List.of(
                new Sysctls.Requirement("net.core.somaxconn", 4096, "backlog"),
                new Sysctls.Requirement("net.netfilter.nf_conntrack_max", 1_141_384, "conntrack"),
                new Sysctls.Requirement(Sysctls.PORT_RANGE, 40_000, "ports"),
                new Sysctls.Requirement("fs.no_such_setting", 1, "absent")));

        assertThat(o.shortfalls()).isEmpty();
        assertThat(o.fine()).containsExactly("net.core.somaxconn = 4096");
        assertThat(o.absent()).containsExactly("fs.no_such_setting");
        assertThat(o.changes()).extracting(Sysctls.Change::name)
                .containsExactly("net.netfilter.nf_conntrack_max", Sysctls.PORT_RANGE);
        assertThat(s.read("net.netfilter.nf_conntrack_max")).isEqualTo("1141384");
        assertThat(s.read(Sysctls.PORT_RANGE)).isEqualTo("1024 65535");

        assertThat(s.restore(o.changes())).isEmpty();
        assertThat(s.read("net.netfilter.nf_conntrack_max")).isEqualTo("262144");
        assertThat(s.read(Sysctls.PORT_RANGE)).isEqualTo("32768 60999");
    }

    @Test
    void tcpMemoryIsJudgedByItsPressureThresholdAndRaisedAsATriple(@TempDir Path root) throws Exception {
        put(root, Sysctls.TCP_MEM, "287898\t383865\t575796");
        Sysctls s = new Sysctls(root);

        assertThat(s.apply(List.of(new Sysctls.Requirement(Sysctls.TCP_MEM, 300_000, "enough"))).changes()).isEmpty();
        Sysctls.Outcome o = s.apply(List.of(new Sysctls.Requirement(Sysctls.TCP_MEM, 1_000_000, "buffers")));

        assertThat(o.shortfalls()).isEmpty();
        assertThat(s.read(Sysctls.TCP_MEM)).isEqualTo("500000 1000000 1500000");
        assertThat(s.restore(o.changes())).isEmpty();
        assertThat(s.read(Sysctls.TCP_MEM)).isEqualTo("287898 383865 575796");
    }

    @Test
    void aSettingThatCannotBeWrittenIsExplainedWithTheCommandToRun(@TempDir Path root) throws Exception {
        // A read-only kernel setting in place of fs.file-max: readable, and refused on write even
        // to root, as every setting is to a user or in a container with /proc/sys read-only.
        Path readOnly = Path.of("/proc/sys/fs/inode-nr");
        Files.createDirectories(root.resolve("fs"));
        Files.createSymbolicLink(root.resolve("fs/file-max"), readOnly);
        Sysctls s = new Sysctls(root);
        String before = s.read("fs.file-max");

        Sysctls.Outcome o = s.apply(List.of(new Sysctls.Requirement("fs.file-max", Long.MAX_VALUE,
                "two descriptors a connection")));

        assertThat(o.changes()).isEmpty();
        assertThat(o.shortfalls()).singleElement().satisfies(f -> {
            assertThat(f.current()).isEqualTo(before);
            assertThat(f.wanted()).isEqualTo(Long.toString(Long.MAX_VALUE));
        });
        assertThat(Sysctls.explain(o.shortfalls())).contains("fs.file-max is " + before,
                "two descriptors a connection", "sudo sysctl -w fs.file-max=\"" + Long.MAX_VALUE + "\"");
    }
}
