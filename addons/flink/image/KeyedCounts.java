package io.haharness.flink;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.util.Collector;

/**
 * The harness's Flink job (addons/flink/image/KeyedCounts.java), checkable for
 * exactly-once:
 *
 * <pre>
 * KeyedCounts OUT COUNT RATE KEYS
 * </pre>
 *
 * A bounded, deterministic source (its position is in the checkpoints) emits
 * record i of [0, COUNT) as "k(i%KEYS),(i/KEYS)" at RATE records a second;
 * keyed by the key, a ValueState counts each key's records and emits
 * "key,seq,count"; a FileSink writes the lines to OUT in part files that
 * become visible (part-*, no leading dot) only when a checkpoint completes
 * (two-phase commit on HDFS). Exactly once, the committed files hold every
 * (key,seq) once and each key's counts 1..COUNT/KEYS once.
 */
public final class KeyedCounts {
  private KeyedCounts() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: KeyedCounts OUT COUNT RATE KEYS");
      System.exit(2);
    }
    String out = args[0];
    long count = Long.parseLong(args[1]);
    double rate = Double.parseDouble(args[2]);
    long keys = Long.parseLong(args[3]);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataGeneratorSource<String> source = new DataGeneratorSource<>(
        i -> "k" + (i % keys) + "," + (i / keys), count, RateLimiterStrategy.perSecond(rate), Types.STRING);
    FileSink<String> sink = FileSink
        .forRowFormat(new Path(out), new SimpleStringEncoder<String>("UTF-8"))
        .withRollingPolicy(OnCheckpointRollingPolicy.build())
        .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix("part").withPartSuffix(".csv").build())
        .build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "seq-source").uid("seq-source")
        .keyBy(r -> r.substring(0, r.indexOf(',')))
        .process(new Count()).uid("count").name("keyed-count")
        .sinkTo(sink).uid("file-sink").name("file-sink");
    env.execute("KeyedCounts " + out);
  }

  /** Counts each key's records in keyed state and appends the count. */
  public static final class Count extends KeyedProcessFunction<String, String, String> {
    private transient ValueState<Long> n;

    @Override
    public void open(OpenContext ctx) {
      n = getRuntimeContext().getState(new ValueStateDescriptor<>("n", Types.LONG));
    }

    @Override
    public void processElement(String r, Context ctx, Collector<String> outc) throws Exception {
      Long c = n.value();
      long next = (c == null ? 0L : c) + 1;
      n.update(next);
      outc.collect(r + "," + next);
    }
  }
}
