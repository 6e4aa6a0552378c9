// Readiness probe used by kafka.sh: exits 0 once the broker at <bootstrap>
// answers a metadata request and lists itself as a live broker (i.e. it has
// registered with the KRaft controller and is unfenced), exits 1 after
// <timeoutSeconds>. A plain TCP connect is not enough: the socket accepts
// connections several seconds before the broker can serve clients.
//
// It then also waits for the group coordinator: on a fresh data dir the
// __consumer_offsets topic only gets created by the first FindCoordinator
// request and takes a moment to load, during which a client's first JoinGroup
// fails with COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS (kafkajs
// logs that as a consumer "Crash" and restarts). Doing it here makes the
// broker fully usable when kafka.sh reports it started.
//
// kafka.sh compiles it into .cache/probe once; by hand it also runs in Java's
// single-file source mode against the broker jars:
//   java -cp '.cache/libs/*' BrokerReady.java 127.0.0.1:19092 60
import java.util.Collection;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.Node;

public class BrokerReady {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    long deadline = System.currentTimeMillis() + Long.parseLong(args[1]) * 1000L;
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
    Exception last = null;
    try (Admin admin = Admin.create(props)) {
      while (System.currentTimeMillis() < deadline) {
        try {
          Collection<Node> nodes = admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
          int topics = admin.listTopics(new ListTopicsOptions().listInternal(true))
              .names().get(3, TimeUnit.SECONDS).size();
          if (nodes.isEmpty()) {
            last = new IllegalStateException("metadata lists no live brokers yet");
          } else {
            // OffsetFetch for a group that never exists: creates/loads the
            // coordinator topic, creates no group. The admin client retries
            // the coordinator errors itself within its api timeout.
            admin.listConsumerGroupOffsets("__kafka_sh_readiness_probe")
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            System.out.println("ready: brokers=" + nodes + " topics=" + topics);
            return;
          }
        } catch (Exception e) {
          last = e;
        }
        Thread.sleep(300);
      }
    }
    System.err.println("broker at " + bootstrap + " not ready: " + last);
    System.exit(1);
  }
}
