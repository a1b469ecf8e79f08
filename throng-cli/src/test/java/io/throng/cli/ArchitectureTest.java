package io.throng.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure, checked on the compiled classes of every module (this module depends on
 * all of them): no package cycles anywhere, and the engine's layers point down only
 * (handler API, then transports, then the engine, then what starts it).
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importEverything() {
        // Test classes, in target/test-classes or in another module's test jar (throng-core's and
        // throng-bus's, which this module's tests use), are not the architecture.
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.asURI().toString().contains("-tests.jar"))
                .importPackages("io.throng");
        assertThat(classes.contain("io.throng.testca.TestCa")).isFalse();
        // every module's classes, or every rule below would hold over nothing
        assertThat(classes.contain("io.throng.core.engine.EngineConnection")).isTrue();
        assertThat(classes.contain("io.throng.websocket.WsSession")).isTrue();
        assertThat(classes.contain("io.throng.rpc.server.RpcServer")).isTrue();
        assertThat(classes.size()).isGreaterThan(400);
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        slices().matching("io.throng.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theHandlerApiDependsOnNothingOfTheEngine() {
        noClasses().that().resideInAPackage("io.throng.core")
                .should().dependOnClassesThat().resideInAnyPackage("io.throng.core.engine..", "io.throng.core.transport..",
                        "io.throng.core.linux..", "io.throng.core.net..")
                .check(classes);
    }

    @Test
    void transportsKnowNoModelAndModelsCallNoSystemCall() {
        noClasses().that().resideInAPackage("io.throng.core.transport..")
                .should().dependOnClassesThat().resideInAPackage("io.throng.core.engine..").check(classes);
        noClasses().that().resideInAPackage("io.throng.core.engine..")
                .should().dependOnClassesThat().resideInAPackage("io.throng.core.linux..").check(classes);
        noClasses().that().resideInAPackage("io.throng.core.config..")
                .should().dependOnClassesThat().resideInAnyPackage("io.throng.core.linux..", "io.throng.core.engine..")
                .check(classes);
    }

    @Test
    void protocolsNeitherKnowTheEngineNorItsTransports() {
        noClasses().that().resideInAnyPackage("io.throng.websocket..", "io.throng.rpc..", "io.throng.bus..", "io.throng.load..")
                .should().dependOnClassesThat().resideInAnyPackage("io.throng.core.engine..", "io.throng.core.transport..",
                        "io.throng.core.linux..")
                .check(classes);
    }

    @Test
    void theWebSocketWireFormatKnowsNoSessionOrHandler() {
        noClasses().that().resideInAPackage("io.throng.websocket.codec..")
                .should().dependOnClassesThat().resideInAPackage("io.throng.websocket").check(classes);
    }
}
