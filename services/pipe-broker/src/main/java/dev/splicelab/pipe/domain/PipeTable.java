package dev.splicelab.pipe.domain;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** All pipes of the broker, by id. Thread-safe. */
public final class PipeTable {
  private final Map<Long, Pipe> pipes = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  public Pipe create(int capacity) {
    Pipe p = new Pipe(ids.incrementAndGet(), capacity);
    pipes.put(p.id(), p);
    return p;
  }

  public Pipe get(long id) {
    Pipe p = pipes.get(id);
    if (p == null) {
      throw new IllegalArgumentException("pipe_id: unknown pipe " + id);
    }
    return p;
  }

  public Pipe remove(long id) {
    Pipe p = pipes.remove(id);
    if (p == null) {
      throw new IllegalArgumentException("pipe_id: unknown pipe " + id);
    }
    return p;
  }

  public int size() {
    return pipes.size();
  }

  public long bufferedBuffers() {
    long n = 0;
    for (Pipe p : pipes.values()) {
      synchronized (p) {
        n += p.occupied();
      }
    }
    return n;
  }
}
