package io.streamtrain.jobs;

import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layout's promises, read from the sources as a newcomer reads them: the rooms below a stage never use the stages,
 * stage folders use each other only along the arrows {@code docs/architecture.md} lists (and every listed arrow is
 * still used), table columns are declared only in {@code core/table}, nothing uses {@code jobs/}, and the README's
 * "start from" table names files that exist.
 */
class StructureTest {

    /** Rooms below the stages, and what each may use besides itself. */
    private static final Map<String, Set<String>> BELOW = Map.of(
            "core", Set.of(),
            "model", Set.of("core"));
    private static final List<String> STAGES = List.of("ingest", "preprocess", "train", "evaluate", "modelops");
    private static final Pattern USE = Pattern.compile(
            "io\\.streamtrain\\.(core|model|ingest|preprocess|train|evaluate|modelops|jobs)\\.");
    /** A row of the arrows table in docs/architecture.md: {@code | modelops | ingest | why |}. */
    private static final Pattern ARROW_ROW = Pattern.compile("^\\|\\s*`?(\\w+)/?`?\\s*\\|\\s*`?(\\w+)/?`?\\s*\\|.*$",
            Pattern.MULTILINE);

    @Test
    void roomsBelowTheStagesUseOnlyWhatIsBelowThem() throws IOException {
        Map<String, Set<String>> uses = uses();
        BELOW.forEach((room, allowed) -> assertThat(uses.getOrDefault(room, Set.of()))
                .as("what %s/ uses", room).isSubsetOf(allowed));
    }

    @Test
    void stageFoldersUseEachOtherOnlyAlongTheDocumentedArrows() throws IOException {
        Set<String> found = new TreeSet<>();
        uses().forEach((room, used) -> {
            if (STAGES.contains(room)) {
                used.stream().filter(STAGES::contains).forEach(to -> found.add(room + " -> " + to));
            }
        });
        Set<String> documented = documentedArrows();
        assertThat(documented).as("arrows listed in docs/architecture.md").hasSizeLessThanOrEqualTo(3);
        assertThat(found).as("arrows between stage folders in the sources").isEqualTo(documented);
    }

    @Test
    void tableColumnsAreDeclaredOnlyInCoreTable() throws IOException {
        List<String> elsewhere = new ArrayList<>();
        for (String room : List.of("core", "model", "ingest", "preprocess", "train", "evaluate", "modelops", "jobs")) {
            try (Stream<Path> sources = Files.walk(Fixtures.projectRoot().resolve(room))) {
                for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                    if (!source.startsWith(Fixtures.projectRoot().resolve("core/io/streamtrain/core/table"))
                            && Files.readString(source).contains("new StructType(new StructField[]")) {
                        elsewhere.add(Fixtures.projectRoot().relativize(source).toString());
                    }
                }
            }
        }
        assertThat(elsewhere).as("files declaring a table's columns outside core/table").isEmpty();
    }

    @Test
    void nothingUsesJobs() throws IOException {
        uses().forEach((room, used) -> {
            if (!room.equals("jobs")) {
                assertThat(used).as("what %s/ uses", room).doesNotContain("jobs");
            }
        });
    }

    @Test
    void theReadmeStartsFromFilesThatExist() throws IOException {
        String readme = Files.readString(Fixtures.projectRoot().resolve("README.md"));
        Matcher m = Pattern.compile("`((?:core|model|ingest|preprocess|train|evaluate|modelops|jobs|conf)/[\\w/.-]+)`")
                .matcher(readme);
        List<String> named = new ArrayList<>();
        while (m.find()) {
            named.add(m.group(1));
        }
        assertThat(named).as("paths the README names").isNotEmpty();
        assertThat(named).allSatisfy(p -> assertThat(Fixtures.projectRoot().resolve(p)).as(p).exists());
    }

    /** For each room, the other rooms its main sources name. */
    private static Map<String, Set<String>> uses() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        int files = 0;
        for (String room : List.of("core", "model", "ingest", "preprocess", "train", "evaluate", "modelops", "jobs")) {
            Path root = Fixtures.projectRoot().resolve(room);
            Set<String> used = uses.computeIfAbsent(room, r -> new TreeSet<>());
            try (Stream<Path> sources = Files.walk(root)) {
                for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                    files++;
                    Matcher m = USE.matcher(Files.readString(source));
                    while (m.find()) {
                        if (!m.group(1).equals(room)) {
                            used.add(m.group(1));
                        }
                    }
                }
            }
        }
        assertThat(files).isGreaterThan(100);
        return uses;
    }

    private static Set<String> documentedArrows() throws IOException {
        String doc = Files.readString(Fixtures.projectRoot().resolve("docs/architecture.md"));
        int start = doc.indexOf("## Arrows between stage folders");
        assertThat(start).as("docs/architecture.md has a section '## Arrows between stage folders'").isNotNegative();
        int end = doc.indexOf("\n## ", start + 1);
        Matcher m = ARROW_ROW.matcher(doc.substring(start, end < 0 ? doc.length() : end));
        Set<String> arrows = new TreeSet<>();
        while (m.find()) {
            if (STAGES.contains(m.group(1)) && STAGES.contains(m.group(2))) {
                arrows.add(m.group(1) + " -> " + m.group(2));
            }
        }
        return arrows;
    }
}
