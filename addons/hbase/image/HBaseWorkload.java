// haharness's HBase client: HBase's own Java client API (Connection, Admin,
// Table), run on a cluster host as `hbase io.haharness.HBaseWorkload ...`.
// Apache publishes neither HBase's REST gateway (hbase-rest) nor its
// LoadTestTool (hbase-diagnostics) to Maven Central for 2.6, so this small
// program is the harness's client, compiled at image build time against the
// image's HBase jars.
//
//   check TABLE                       create TABLE (family f) if missing, put a
//                                     cell, read it back; prints "ok MILLIS"
//   write TABLE PREFIX COUNT INTERVAL_MS DURATION_MS TIMEOUT_MS LOGFILE
//                                     put rows PREFIX-00000000.. one at a time,
//                                     every INTERVAL_MS, until COUNT rows or
//                                     DURATION_MS; each put is bounded by
//                                     TIMEOUT_MS; appends one line per put to
//                                     LOGFILE, flushed at once:
//                                       ack ROW VALUE START_MS END_MS
//                                       fail ROW VALUE START_MS END_MS ERROR
//   read TABLE PREFIX                 scan every row with PREFIX; prints
//                                     "row ROW VALUE" lines, then "done N"
//
// Exit 0 on success, 1 when check or read fail, 2 on bad arguments.
package io.haharness;

import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableExistsException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;

public final class HBaseWorkload {
  private static final byte[] FAMILY = Bytes.toBytes("f");
  private static final byte[] QUALIFIER = Bytes.toBytes("v");

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      usage();
    }
    Configuration conf = HBaseConfiguration.create();
    TableName table = TableName.valueOf(args[1]);
    switch (args[0]) {
      case "check":
        try (Connection c = ConnectionFactory.createConnection(conf)) {
          long start = System.currentTimeMillis();
          ensureTable(c, table);
          byte[] row = Bytes.toBytes("check"), value = Bytes.toBytes(Long.toString(start));
          try (Table t = c.getTable(table)) {
            t.put(new Put(row).addColumn(FAMILY, QUALIFIER, value));
            byte[] got = t.get(new Get(row)).getValue(FAMILY, QUALIFIER);
            if (got == null || !Bytes.equals(got, value)) {
              System.out.println("read back " + (got == null ? "nothing" : Bytes.toString(got)) + ", want " + Bytes.toString(value));
              System.exit(1);
            }
          }
          System.out.println("ok " + (System.currentTimeMillis() - start));
        }
        break;
      case "write":
        if (args.length != 8) {
          usage();
        }
        write(conf, table, args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]), Long.parseLong(args[5]),
            Integer.parseInt(args[6]), args[7]);
        break;
      case "read":
        if (args.length != 3) {
          usage();
        }
        try (Connection c = ConnectionFactory.createConnection(conf); Table t = c.getTable(table);
            ResultScanner rs = t.getScanner(new Scan().setRowPrefixFilter(Bytes.toBytes(args[2])))) {
          int n = 0;
          for (Result r : rs) {
            System.out.println("row " + Bytes.toString(r.getRow()) + " " + Bytes.toString(r.getValue(FAMILY, QUALIFIER)));
            n++;
          }
          System.out.println("done " + n);
        }
        break;
      default:
        usage();
    }
  }

  private static void write(Configuration conf, TableName table, String prefix, int count, long intervalMs,
      long durationMs, int timeoutMs, String logFile) throws Exception {
    conf.setInt("hbase.client.operation.timeout", timeoutMs);
    conf.setInt("hbase.rpc.timeout", Math.min(timeoutMs, conf.getInt("hbase.rpc.timeout", timeoutMs)));
    long deadline = System.currentTimeMillis() + durationMs;
    try (PrintWriter log = new PrintWriter(new FileWriter(logFile, true));
        Connection c = ConnectionFactory.createConnection(conf)) {
      ensureTable(c, table);
      try (Table t = c.getTable(table)) {
        for (int i = 0; i < count && System.currentTimeMillis() < deadline; i++) {
          String row = String.format("%s-%08d", prefix, i), value = "v" + i;
          long start = System.currentTimeMillis();
          String outcome;
          try {
            t.put(new Put(Bytes.toBytes(row)).addColumn(FAMILY, QUALIFIER, Bytes.toBytes(value)));
            outcome = "ack " + row + " " + value + " " + start + " " + System.currentTimeMillis();
          } catch (IOException e) {
            String why = (e.getClass().getSimpleName() + ": " + e.getMessage()).replaceAll("\\s+", " ");
            outcome = "fail " + row + " " + value + " " + start + " " + System.currentTimeMillis() + " "
                + why.substring(0, Math.min(300, why.length()));
          }
          log.println(outcome);
          log.flush();
          long rest = start + intervalMs - System.currentTimeMillis();
          if (rest > 0) {
            Thread.sleep(rest);
          }
        }
      }
      log.println("done");
      log.flush();
    }
  }

  private static void ensureTable(Connection c, TableName table) throws IOException {
    try (Admin admin = c.getAdmin()) {
      if (admin.tableExists(table)) {
        return;
      }
      try {
        admin.createTable(TableDescriptorBuilder.newBuilder(table).setColumnFamily(ColumnFamilyDescriptorBuilder.of(FAMILY)).build());
      } catch (TableExistsException e) {
        // created meanwhile by another client
      }
    }
  }

  private static void usage() {
    System.err.println("usage: HBaseWorkload check TABLE | write TABLE PREFIX COUNT INTERVAL_MS DURATION_MS TIMEOUT_MS LOGFILE | read TABLE PREFIX");
    System.exit(2);
  }
}
