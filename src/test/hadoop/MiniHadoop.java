import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.resourcemanager.rmnode.RMNode;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real HDFS and YARN on this machine, from Hadoop's own test clusters: a NameNode and a DataNode
 * ({@code MiniDFSCluster}), a ResourceManager and NodeManagers ({@code MiniYARNCluster}) whose containers are JVMs of
 * their own, as Spark's YARN suite starts them. Run in a JVM of its own, in Java's source-file mode, with the classpath
 * of {@code src/test/hadoop/pom.xml}; the working folder is the cluster's state folder.
 *
 * <pre>java -cp CLASSPATH src/test/hadoop/MiniHadoop.java NODEMANAGERS MEMORY_MB VCORES</pre>
 *
 * It writes the clients' configuration to {@code conf/} ({@code core-site.xml}, {@code yarn-site.xml}) (what {@code HADOOP_CONF_DIR} names), prints
 * {@code ready hdfs://...} once every NodeManager is healthy and registered, and stops when its standard input closes.
 */
public final class MiniHadoop {

    private MiniHadoop() {
    }

    public static void main(String[] args) throws Exception {
        int nodeManagers = Integer.parseInt(args[0]);
        int memoryMb = Integer.parseInt(args[1]);
        int vcores = Integer.parseInt(args[2]);
        Path state = Path.of("").toAbsolutePath();

        Configuration conf = new YarnConfiguration();
        conf.set("hadoop.tmp.dir", state.resolve("tmp").toString());
        conf.setInt(YarnConfiguration.NM_PMEM_MB, memoryMb);
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, memoryMb);
        conf.setInt(YarnConfiguration.NM_VCORES, vcores);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, memoryMb);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, vcores);
        // YARN's default scheduler with one queue; application masters may take half of it (the default, a tenth, would
        // hold a second application's master back on a cluster this small).
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 0.5f);
        // The physical- and virtual-memory checks stay on, as on a production NodeManager: the containers must fit.
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, true);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, true);
        // A NodeManager refuses containers once its disks are 90% full (Hadoop's default); a test cluster shares the
        // disk with the build, so it tolerates up to 99% and reports the disks' state when it is not healthy.
        conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 99.0f);

        MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf, state.resolve("dfs").toFile()).numDataNodes(1)
                .format(true).build();
        dfs.waitActive();
        conf.set("fs.defaultFS", dfs.getURI().toString());

        MiniYARNCluster yarn = new MiniYARNCluster("yarn", nodeManagers, 1, 1);
        yarn.init(conf);
        yarn.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            yarn.stop();
            dfs.shutdown();
        }, "mini-hadoop-stop"));
        if (!yarn.waitForNodeManagersToConnect(60_000)) {
            fail("the NodeManagers did not register with the ResourceManager within 60 s");
        }
        requireHealthy(yarn);

        // What a cluster's administrators hand to its clients: where the file system and the ResourceManager are.
        // Not the whole of the servers' configuration, which holds test-only settings (a static rack mapping class).
        Configuration clients = new Configuration(false);
        clients.set("fs.defaultFS", dfs.getURI().toString());
        for (Map.Entry<String, String> e : yarn.getConfig()) {
            if (e.getKey().startsWith("yarn.resourcemanager.") && e.getKey().endsWith(".address")) {
                clients.set(e.getKey(), yarn.getConfig().get(e.getKey()));
            }
        }
        Path confDir = Files.createDirectories(state.resolve("conf"));
        for (String name : List.of("core-site.xml", "yarn-site.xml")) {
            try (OutputStream out = Files.newOutputStream(confDir.resolve(name))) {
                (name.startsWith("core") ? only(clients, "fs.") : only(clients, "yarn.")).writeXml(out);
            }
        }
        System.out.println("ready " + dfs.getURI());
        System.out.flush();
        while (System.in.read() >= 0) {
            // Until the parent closes our standard input (or dies).
        }
        System.exit(0);
    }

    private static Configuration only(Configuration conf, String prefix) {
        Configuration some = new Configuration(false);
        for (Map.Entry<String, String> e : conf) {
            if (e.getKey().startsWith(prefix)) {
                some.set(e.getKey(), e.getValue());
            }
        }
        return some;
    }

    private static void requireHealthy(MiniYARNCluster yarn) throws InterruptedException {
        for (int waited = 0; waited < 30; waited++) {
            List<RMNode> nodes = List.copyOf(yarn.getResourceManager().getRMContext().getRMNodes().values());
            if (nodes.stream().allMatch(n -> !n.getState().isUnusable() && n.getHealthReport().isEmpty())) {
                return;
            }
            Thread.sleep(1000);
        }
        StringBuilder report = new StringBuilder("a NodeManager is unhealthy:");
        for (RMNode n : yarn.getResourceManager().getRMContext().getRMNodes().values()) {
            report.append(' ').append(n.getNodeID()).append(' ').append(n.getState()).append(" (")
                    .append(n.getHealthReport()).append(')');
        }
        fail(report + "; free disk space under " + new File("").getAbsolutePath() + " or see its logs");
    }

    private static void fail(String why) {
        System.out.println("failed " + why);
        System.out.flush();
        Runtime.getRuntime().halt(1);
    }
}
