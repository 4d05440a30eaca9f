package io.haharness.kerberos;

import java.io.File;
import java.io.FileReader;
import java.nio.file.Files;
import java.util.List;
import java.util.Properties;

import org.apache.kerby.kerberos.kerb.server.KdcConfigKey;
import org.apache.kerby.kerberos.kerb.server.SimpleKdcServer;

// haharness's KDC: Apache Kerby's KDC server, run as a daemon of the
// cluster. Its realm, port and limits come from kdc.properties; its
// principals and their passwords from the file that names (one
// "principal password" a line). Keys are derived from the passwords at
// every start, so a KDC started again serves the keys the hosts' keytabs
// hold (the harness derives those from the same passwords).
public final class Kdc {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: Kdc KDC_PROPERTIES WORK_DIR");
      System.exit(2);
    }
    Properties p = new Properties();
    try (FileReader r = new FileReader(args[0])) {
      p.load(r);
    }
    File work = new File(args[1]);
    work.mkdirs();
    String realm = p.getProperty("realm");
    int port = Integer.parseInt(p.getProperty("port", "88"));
    SimpleKdcServer kdc = new SimpleKdcServer();
    kdc.setWorkDir(work);
    kdc.setKdcRealm(realm);
    kdc.setKdcHost(p.getProperty("host", "0.0.0.0"));
    kdc.setAllowTcp(true);
    kdc.setKdcTcpPort(port);
    kdc.setAllowUdp(true);
    kdc.setKdcUdpPort(port);
    kdc.getKdcConfig().setLong(KdcConfigKey.ALLOWABLE_CLOCKSKEW, Long.parseLong(p.getProperty("clockskew.seconds", "300")));
    kdc.getKdcConfig().setLong(KdcConfigKey.MAXIMUM_TICKET_LIFETIME, Long.parseLong(p.getProperty("max.ticket.lifetime.seconds", "86400")));
    kdc.getKdcConfig().setLong(KdcConfigKey.MAXIMUM_RENEWABLE_LIFETIME, Long.parseLong(p.getProperty("max.renewable.lifetime.seconds", "604800")));
    kdc.getKdcConfig().setString(KdcConfigKey.ENCRYPTION_TYPES, p.getProperty("enctypes", "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96"));
    kdc.init();
    List<String> lines = Files.readAllLines(new File(p.getProperty("principals")).toPath());
    int n = 0;
    for (String line : lines) {
      line = line.trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\s+", 2);
      // The KDC's own principals (krbtgt/REALM) exist already, with
      // random keys: made again from their passwords, so that tickets
      // granted before a restart of the KDC stay good after it.
      String name = f[0].contains("@") ? f[0] : f[0] + "@" + realm;
      if (kdc.getKadmin().getPrincipal(name) != null) {
        kdc.deletePrincipal(name);
      }
      kdc.createPrincipal(f[0], f[1]);
      n++;
    }
    kdc.start();
    System.out.println("KDC of realm " + realm + " serving " + n + " principals on port " + port + " (tcp and udp)");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        kdc.stop();
      } catch (Exception e) {
        // exiting anyway
      }
    }));
    Thread.currentThread().join();
  }
}
