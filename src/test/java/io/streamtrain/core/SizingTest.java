package io.streamtrain.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Partition counts follow the input's bytes: proportionate, never below the floor, each within the bound. */
class SizingTest {

    private static final long MIB = 1L << 20;
    private final Sizing sizing = new Sizing(128 * MIB, 512 * MIB);
    private final long fashionRow = Sizing.rowBytes(784);

    @Test
    void partitionsGrowInProportionToTheDataAndEachStaysWithinTheTarget() {
        // 70 thousand, 4 million and 80 million Fashion-MNIST-sized rows.
        List<Long> rows = List.of(70_000L, 4_000_000L, 80_000_000L);
        int previous = 0;
        for (long n : rows) {
            long bytes = n * fashionRow;
            int partitions = sizing.partitionsFor(bytes, 2);
            assertThat(bytes / partitions).as("bytes per partition for %d rows", n).isLessThanOrEqualTo(128 * MIB);
            assertThat(bytes / partitions).as("no needless small partitions for %d rows", n)
                    .isGreaterThan(partitions > 2 ? 64 * MIB : 0);
            assertThat(partitions).isGreaterThan(previous);
            previous = partitions;
        }
        int small = sizing.partitionsFor(4_000_000L * fashionRow, 2);
        int large = sizing.partitionsFor(40_000_000L * fashionRow, 2);
        assertThat((double) large / small).isBetween(9.9, 10.1);
    }

    @Test
    void tinyInputsGetTheFloorNotZero() {
        assertThat(sizing.partitionsFor(0, 2)).isEqualTo(2);
        assertThat(sizing.partitionsFor(1000, 0)).isEqualTo(1);
    }

    @Test
    void filesAreCappedInRowsAndSplitsShrinkWithTheExpansionOnDecoding() {
        assertThat(sizing.rowsPerFile(fashionRow) * fashionRow).isLessThanOrEqualTo(512 * MIB);
        // Landing's zstd pixels: about 554 bytes a record on disk, 3,232 decoded.
        long rows = 4_000_000;
        long split = sizing.splitBytes(rows * 554, rows * fashionRow);
        assertThat(split * fashionRow / 554).isBetween(120 * MIB, 129 * MIB);
        assertThat(sizing.splitBytes(0, 0)).isEqualTo(128 * MIB);
    }

    @Test
    void refusesSizesThatCannotWork() {
        assertThatThrownBy(() -> new Sizing(1000, 512 * MIB)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(Sizing.PARTITION_BYTES);
        assertThatThrownBy(() -> new Sizing(128 * MIB, MIB)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(Sizing.MAX_FILE_BYTES);
        assertThat(Sizing.from(ConfigLoader.load(null, List.of("spark.partition-bytes=64 MiB"))).partitionBytes())
                .isEqualTo(64 * MIB);
    }
}
