import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineage.RunEvent.EventType;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.transports.ApiKeyTokenProvider;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;

/**
 * Emits one DAG run through the OpenLineage Java client's HTTP transport, as a scheduler would:
 * the DAG run starts, task `extract` starts, reports it is running and completes with row
 * statistics, task `load` starts and fails with an error message, and the DAG run ends failed.
 *
 *   java -cp 'classes:libs/*' EmitDagRun URL TOKEN NAMESPACE DAG ERROR
 *
 * URL has no path, so the transport posts to its default /api/v1/lineage. Any answer other than
 * 2xx makes the transport throw, and this program exit non-zero. Prints `dag_run=<uuid>`.
 */
public class EmitDagRun {
  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: EmitDagRun URL TOKEN NAMESPACE DAG ERROR");
      System.exit(2);
    }
    String url = args[0], token = args[1], ns = args[2], dag = args[3], error = args[4];
    HttpConfig http = new HttpConfig();
    http.setUrl(URI.create(url));
    if (!token.isEmpty()) {
      ApiKeyTokenProvider auth = new ApiKeyTokenProvider();
      auth.setApiKey(token);
      http.setAuth(auth);
    }
    OpenLineage ol = new OpenLineage(URI.create("https://github.com/mlobs/mlobs/tree/main/test/openlineage"));
    UUID dagRun = UUID.randomUUID();
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    var parent = ol.newParentRunFacetBuilder()
        .run(ol.newParentRunFacetRunBuilder().runId(dagRun).build())
        .job(ol.newParentRunFacetJobBuilder().namespace(ns).name(dag).build())
        .build();

    try (OpenLineageClient client = OpenLineageClient.builder().transport(new HttpTransport(http)).build()) {
      var nominal = ol.newNominalTimeRunFacetBuilder().nominalStartTime(now.minusDays(1)).nominalEndTime(now).build();
      client.emit(event(ol, EventType.START, now, dagRun, ol.newRunFacetsBuilder().nominalTime(nominal).build(), ns, dag, null, null));

      UUID extract = UUID.randomUUID();
      var asTask = ol.newRunFacetsBuilder().parent(parent).build();
      client.emit(event(ol, EventType.START, now.plusSeconds(1), extract, asTask, ns, dag + ".extract", null, null));
      client.emit(event(ol, EventType.RUNNING, now.plusSeconds(2), extract, asTask, ns, dag + ".extract", null, null));
      var in = ol.newInputDatasetBuilder().namespace("postgres://db:5432").name("shop.public.orders")
          .inputFacets(ol.newInputDatasetInputFacetsBuilder()
              .inputStatistics(ol.newInputStatisticsInputDatasetFacetBuilder().rowCount(1200L).size(50000L).build()).build())
          .build();
      var out = ol.newOutputDatasetBuilder().namespace("s3://lake").name("staging/orders")
          .outputFacets(ol.newOutputDatasetOutputFacetsBuilder()
              .outputStatistics(ol.newOutputStatisticsOutputDatasetFacetBuilder().rowCount(1190L).size(40960L).build()).build())
          .build();
      client.emit(event(ol, EventType.COMPLETE, now.plusSeconds(3), extract, asTask, ns, dag + ".extract", List.of(in), List.of(out)));

      UUID load = UUID.randomUUID();
      client.emit(event(ol, EventType.START, now.plusSeconds(4), load, asTask, ns, dag + ".load", null, null));
      var failed = ol.newRunFacetsBuilder().parent(parent)
          .errorMessage(ol.newErrorMessageRunFacetBuilder().message(error).programmingLanguage("java")
              .stackTrace("java.sql.SQLException: " + error + "\n\tat Load.run(Load.java:42)").build())
          .build();
      client.emit(event(ol, EventType.FAIL, now.plusSeconds(5), load, failed, ns, dag + ".load", null, null));

      // A DAG run with a failed task ends failed: that is the run's completion event.
      client.emit(event(ol, EventType.FAIL, now.plusSeconds(6), dagRun, ol.newRunFacetsBuilder().build(), ns, dag, null, null));
    }
    System.out.println("dag_run=" + dagRun);
  }

  static OpenLineage.RunEvent event(OpenLineage ol, EventType type, ZonedDateTime at, UUID runId, OpenLineage.RunFacets facets,
      String ns, String job, List<OpenLineage.InputDataset> inputs, List<OpenLineage.OutputDataset> outputs) {
    return ol.newRunEventBuilder()
        .eventType(type)
        .eventTime(at)
        .run(ol.newRunBuilder().runId(runId).facets(facets).build())
        .job(ol.newJobBuilder().namespace(ns).name(job).build())
        .inputs(inputs)
        .outputs(outputs)
        .build();
  }
}
