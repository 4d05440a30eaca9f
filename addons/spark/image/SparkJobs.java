package io.haharness.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;

import scala.Tuple2;

/**
 * The harness's Spark jobs (addons/spark/image/SparkJobs.java), one main
 * class for spark-submit --class io.haharness.spark.SparkJobs:
 *
 * <pre>
 * pi SLICES [TASK_DELAY_MS]               estimate pi over SLICES tasks
 * wordcount IN OUT PARTITIONS [TASK_DELAY_MS [WRITE_DELAY_MS]]
 *                                         count the words of IN's files into OUT
 *                                         (word TAB count, sorted); each task of the
 *                                         first stage works TASK_DELAY_MS, each task
 *                                         writing OUT pauses WRITE_DELAY_MS with its
 *                                         file open on HDFS; a retried driver
 *                                         (a new AM attempt) that finds OUT without
 *                                         _SUCCESS removes it and writes it again
 * kafka-to-hdfs BOOTSTRAP TOPIC OUT CHECKPOINT SECONDS
 *                                         Structured Streaming from a Kafka topic to
 *                                         text files under OUT (the exactly-once file
 *                                         sink: OUT/_spark_metadata lists the committed
 *                                         files), its checkpoint at CHECKPOINT, for
 *                                         SECONDS, then stops
 * </pre>
 *
 * Each line it prints for the harness starts with "haharness: ".
 */
public final class SparkJobs {
  private SparkJobs() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      usage();
    }
    // The application's name is spark-submit's --name (spark.app.name):
    // YARN knows it by that name in both deploy modes.
    SparkSession spark = SparkSession.builder().getOrCreate();
    try {
      switch (args[0]) {
        case "pi" -> pi(spark, args);
        case "wordcount" -> wordcount(spark, args);
        case "kafka-to-hdfs" -> kafkaToHdfs(spark, args);
        default -> usage();
      }
    } finally {
      spark.stop();
    }
  }

  private static void usage() {
    System.err.println("usage: SparkJobs pi SLICES [TASK_DELAY_MS] | wordcount IN OUT PARTITIONS [TASK_DELAY_MS [WRITE_DELAY_MS]]"
        + " | kafka-to-hdfs BOOTSTRAP TOPIC OUT CHECKPOINT SECONDS");
    System.exit(2);
  }

  private static long arg(String[] args, int i, long dflt) {
    return args.length > i ? Long.parseLong(args[i]) : dflt;
  }

  private static void pause(long ms) {
    if (ms <= 0) {
      return;
    }
    try {
      TimeUnit.MILLISECONDS.sleep(ms); // the task's simulated work
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void pi(SparkSession spark, String[] args) {
    int slices = (int) arg(args, 1, 4);
    long delay = arg(args, 2, 0);
    int perSlice = 100_000;
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> seeds = new ArrayList<>();
    for (int i = 0; i < slices; i++) {
      seeds.add(i);
    }
    long inside = jsc.parallelize(seeds, slices).map(seed -> {
      pause(delay);
      java.util.Random r = new java.util.Random(seed);
      long n = 0;
      for (int i = 0; i < perSlice; i++) {
        double x = r.nextDouble() * 2 - 1, y = r.nextDouble() * 2 - 1;
        if (x * x + y * y <= 1) {
          n++;
        }
      }
      return n;
    }).reduce(Long::sum);
    System.out.println("haharness: pi is roughly " + 4.0 * inside / ((long) slices * perSlice));
  }

  static void wordcount(SparkSession spark, String[] args) throws Exception {
    if (args.length < 4) {
      usage();
    }
    String in = args[1], out = args[2];
    int partitions = Integer.parseInt(args[3]);
    long delay = arg(args, 4, 0);
    long writeDelay = arg(args, 5, 0);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration conf = jsc.hadoopConfiguration();
    Path outPath = new Path(out);
    FileSystem fs = outPath.getFileSystem(conf);
    String attempt = spark.sparkContext().applicationAttemptId().getOrElse(() -> "1");
    if (fs.exists(new Path(outPath, "_SUCCESS"))) {
      System.out.println("haharness: attempt " + attempt + ": " + out + " is complete already");
      return;
    }
    if (fs.exists(outPath)) {
      fs.delete(outPath, true);
      System.out.println("haharness: attempt " + attempt + ": removed the partial output " + out);
    }
    JavaRDD<String> lines = jsc.textFile(in, partitions);
    lines.mapPartitions(it -> {
      pause(delay);
      List<String> words = new ArrayList<>();
      it.forEachRemaining(l -> Arrays.stream(l.split("\\s+")).filter(w -> !w.isEmpty()).forEach(words::add));
      return words.iterator();
    }).mapToPair(w -> new Tuple2<>(w, 1L)).reduceByKey(Long::sum, partitions).sortByKey(true, partitions)
        .map(t -> t._1() + "\t" + t._2()).mapPartitions(it -> pausedAtFirst(it, writeDelay)).saveAsTextFile(out);
    System.out.println("haharness: attempt " + attempt + ": wrote " + out);
  }

  /**
   * it, pausing before its first element: the writer that consumes it has
   * opened its output file by then.
   */
  private static Iterator<String> pausedAtFirst(Iterator<String> it, long ms) {
    return new Iterator<String>() {
      private boolean paused;

      @Override
      public boolean hasNext() {
        if (!paused) {
          paused = true;
          pause(ms);
        }
        return it.hasNext();
      }

      @Override
      public String next() {
        return it.next();
      }
    };
  }

  static void kafkaToHdfs(SparkSession spark, String[] args) throws Exception {
    if (args.length < 6) {
      usage();
    }
    Dataset<Row> records = spark.readStream().format("kafka").option("kafka.bootstrap.servers", args[1])
        .option("subscribe", args[2]).option("startingOffsets", "earliest").option("failOnDataLoss", "true").load();
    StreamingQuery q = records
        .selectExpr("concat_ws(' ', CAST(partition AS STRING), CAST(offset AS STRING), CAST(value AS STRING)) AS value")
        .writeStream().format("text").option("path", args[3]).option("checkpointLocation", args[4])
        .trigger(Trigger.ProcessingTime(2000)).start();
    boolean ended = q.awaitTermination(Long.parseLong(args[5]) * 1000);
    if (!ended) {
      q.processAllAvailable();
      q.stop();
    }
    System.out.println("haharness: stream to " + args[3] + " stopped after batch " + q.lastProgress().batchId()
        + " on executor " + SparkEnv.get().executorId());
  }
}
