// The wire scenario with pgJDBC and its default settings (prepareThreshold=5: from the fifth execution a
// statement is a named server-side one, described with Describe 'S') over TLS + SCRAM-SHA-256. Prints one
// `key value` line per check; test/src/wire-drivers.test.ts asserts on them.
import java.sql.*;
import java.time.Instant;
import java.util.Arrays;

public class WireClient {
  static final String LONG =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c";

  static void insert(PreparedStatement p, long id, long n, double f, boolean b, String s, byte[] raw, Timestamp at)
      throws SQLException {
    p.setLong(1, id);
    p.setLong(2, n);
    p.setDouble(3, f);
    p.setBoolean(4, b);
    p.setString(5, s);
    p.setBytes(6, raw);
    p.setTimestamp(7, at);
  }

  static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  public static void main(String[] a) throws Exception {
    String url = "jdbc:postgresql://localhost:" + a[0] + "/defaultdb?sslmode=verify-full&sslrootcert=" + a[3];
    try (Connection c = DriverManager.getConnection(url, "app", a[1])) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE jt (id INTEGER PRIMARY KEY, n INTEGER, f REAL, b BOOLEAN, s TEXT, raw BLOB, at TIMESTAMP)");
      }
      Timestamp at = Timestamp.from(Instant.parse("2026-01-02T03:04:05.250Z"));
      String ins = "INSERT INTO jt VALUES (?, ?, ?, ?, ?, ?, ?)";
      try (PreparedStatement p = c.prepareStatement(ins)) {
        insert(p, 1, 42, 1.5, true, "hé", new byte[] {0, 1, (byte) 255}, at);
        p.executeUpdate();
        insert(p, 2, -7, 0.25, false, "two", new byte[0], at);
        p.executeUpdate();
      }
      try (PreparedStatement p = c.prepareStatement("SELECT id, n, f, b, s, raw, at FROM jt WHERE n = ?")) {
        String line = "";
        // Past prepareThreshold: the last runs use a named statement described before it executes.
        for (int i = 0; i < 6; i++) {
          p.setLong(1, 42);
          try (ResultSet r = p.executeQuery()) {
            r.next();
            int[] raw = new int[r.getBytes(6).length];
            for (int k = 0; k < raw.length; k++) raw[k] = r.getBytes(6)[k] & 0xff;
            line = "row " + r.getLong(1) + " " + r.getLong(2) + " " + r.getDouble(3) + " " + r.getBoolean(4) + " "
                + r.getString(5) + " " + Arrays.toString(raw) + " " + r.getTimestamp(7).equals(at);
          }
        }
        System.out.println(line);
      }
      try (PreparedStatement p = c.prepareStatement("BACKUP INTO 'nodelocal://1/jdbc' WITH encryption_passphrase = ?")) {
        p.setString(1, a[2]);
        try (ResultSet r = p.executeQuery()) { r.next(); System.out.println("backup " + r.getString("status")); }
      }
      System.out.println("backups " + backups(c));
      try (PreparedStatement p = c.prepareStatement("SHOW BACKUP FROM LATEST IN 'nodelocal://1/jdbc' WITH encryption_passphrase = ?")) {
        for (int i = 0; i < 6; i++) {
          p.setString(1, a[2]);
          try (ResultSet r = p.executeQuery()) {
            while (r.next()) {
              if (i == 5 && "jt".equals(r.getString("object_name"))) System.out.println("shown jt " + r.getLong("rows"));
            }
          }
        }
      }
      try (PreparedStatement p = c.prepareStatement(
          "RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/jdbc' WITH encryption_passphrase = ?, new_db_name = 'jt_copy'")) {
        p.setString(1, a[2]);
        try (ResultSet r = p.executeQuery()) {
          r.next();
          System.out.println("restore " + r.getString("status") + " " + count(c, "SELECT count(*) FROM jt_copy.jt"));
        }
      }
      try (Statement s = c.createStatement()) {
        s.executeQuery("SELECT 1 FROM jt WHERE");
      } catch (SQLException e) {
        System.out.println("syntax " + e.getSQLState() + " " + ((org.postgresql.util.PSQLException) e).getServerErrorMessage().getPosition());
      }
      try (PreparedStatement p = c.prepareStatement(ins)) {
        insert(p, 1, 0, 0, false, "", new byte[0], at);
        p.executeUpdate();
      } catch (SQLException e) {
        System.out.println("duplicate " + e.getSQLState());
      }
      c.setAutoCommit(false);
      try (PreparedStatement p = c.prepareStatement(ins)) {
        insert(p, 3, 0, 0, false, "", new byte[0], at);
        p.addBatch();
        insert(p, 1, 0, 0, false, "", new byte[0], at);
        p.addBatch();
        p.executeBatch();
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        SQLException cause = e.getNextException() != null ? e.getNextException() : e;
        System.out.println("batch " + cause.getSQLState() + " " + count(c, "SELECT count(*) FROM jt"));
        c.commit();
      }
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        long started = System.nanoTime();
        Thread canceler = new Thread(() -> {
          try { Thread.sleep(300); s.cancel(); } catch (Exception ignored) { }
        });
        canceler.start();
        try {
          s.executeQuery(LONG);
        } catch (SQLException e) {
          System.out.println("cancel " + e.getSQLState() + " " + ((System.nanoTime() - started) / 1_000_000 < 1800));
        }
        canceler.join();
      }
      System.out.println("after " + count(c, "SELECT count(*) FROM jt"));
    }
  }

  static long backups(Connection c) throws SQLException {
    long n = 0;
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SHOW BACKUPS IN 'nodelocal://1/jdbc'")) {
      while (r.next()) n++;
    }
    return n;
  }
}
