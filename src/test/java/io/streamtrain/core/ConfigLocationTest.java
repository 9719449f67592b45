package io.streamtrain.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --conf} as a local path, a Hadoop URI, and the bare name of a file spark-submit shipped with --files. */
class ConfigLocationTest {

    @TempDir
    Path tmp;

    @AfterEach
    void forgetShippedFiles() {
        System.clearProperty("spark.files");
        System.clearProperty("spark.yarn.dist.files");
    }

    private Path confFile(String name, int epochs) throws Exception {
        Path file = tmp.resolve(name);
        Files.writeString(file, "train.epochs = " + epochs + "\n");
        return file;
    }

    private static int epochs(String location) {
        return ConfigLoader.loadAt(location, List.of()).positiveInt("train.epochs");
    }

    @Test
    void aLocalPathAndAFileUriReadTheSameFile() throws Exception {
        Path file = confFile("a.conf", 7);
        assertThat(epochs(file.toString())).isEqualTo(7);
        assertThat(epochs(file.toUri().toString())).isEqualTo(7);
        assertThat(epochs("file://" + file)).isEqualTo(7);
    }

    @Test
    void aBareNameIsFoundAmongTheFilesSparkSubmitShipped() throws Exception {
        Path shipped = confFile("cluster-x.conf", 5);
        System.setProperty("spark.files", "file:" + tmp.resolve("log4j2.properties") + "," + shipped.toUri());
        assertThat(epochs("cluster-x.conf")).isEqualTo(5);
    }

    @Test
    void yarnsRenamedFilesAreFoundByTheirNewName() throws Exception {
        Path shipped = confFile("original.conf", 4);
        System.setProperty("spark.yarn.dist.files", shipped.toUri() + "#job.conf");
        assertThat(epochs("job.conf")).isEqualTo(4);
    }

    @Test
    void aMissingFileNamesWhatWasTriedAndTheForms() {
        assertThatThrownBy(() -> epochs("nowhere.conf")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("nowhere.conf").hasMessageContaining("--files")
                .hasMessageContaining("Hadoop URI");
        assertThatThrownBy(() -> epochs(tmp.resolve("gone.conf").toUri().toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> epochs("nosuchscheme://host/x.conf")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot be read").hasMessageContaining("UnsupportedFileSystemException");
    }

    @Test
    void aSecretFromAnUnsetVariableFailsNamingTheVariableWhereOtherOptionalSettingsStayOptional() throws Exception {
        Path file = tmp.resolve("secrets.conf");
        Files.writeString(file, String.join("\n",
                "kafka.properties { \"sasl.jaas.config\" = ${?STREAMTRAIN_SURELY_UNSET_SECRET} }",
                "train.epochs = ${?STREAMTRAIN_SURELY_UNSET_EPOCHS}",
                ""));
        Settings settings = ConfigLoader.loadAt(file.toString(), List.of());
        assertThat(settings.positiveInt("train.epochs")).as("a plain optional setting keeps its default").isEqualTo(30);
        settings.requireSecretsUnder("spark.conf");
        assertThatThrownBy(() -> settings.requireSecretsUnder("kafka.properties")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("${?STREAMTRAIN_SURELY_UNSET_SECRET}")
                .hasMessageContaining("sasl.jaas.config").hasMessageContaining("spark.yarn.appMasterEnv.");
    }

    @Test
    void aSyntaxErrorNamesTheLocationAndLine() throws Exception {
        Path file = tmp.resolve("bad.conf");
        Files.writeString(file, "train {\n  epochs = \n");
        assertThatThrownBy(() -> epochs(file.toUri().toString())).isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toUri().toString()).hasMessageContaining("HOCON syntax error");
    }
}
