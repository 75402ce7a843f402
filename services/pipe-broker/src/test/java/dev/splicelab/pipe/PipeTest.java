package dev.splicelab.pipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.splicelab.pipe.domain.Pipe;
import dev.splicelab.pipe.domain.PipeTable;
import dev.splicelab.proto.PipeBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipeTest {

  private static PipeBuffer buf(long fileOffset, int length) {
    return PipeBuffer.newBuilder().setFileOffset(fileOffset).setLength(length).setTransferId("t").build();
  }

  private static List<Long> offsets(List<PipeBuffer> buffers) {
    return buffers.stream().map(PipeBuffer::getFileOffset).toList();
  }

  @Test
  void aNewPipeIsEmpty() {
    Pipe p = new Pipe(7, 16);
    assertThat(p.id()).isEqualTo(7);
    assertThat(p.capacity()).isEqualTo(16);
    assertThat(p.occupied()).isZero();
    assertThat(p.free()).isEqualTo(16);
    assertThat(p.drain(1 << 20)).isEmpty();
    assertThat(p.drainAll()).isEmpty();
  }

  @Test
  void pushIntoAFullPipeThrowsAndKeepsTheRing() {
    Pipe p = new Pipe(1, 3);
    p.push(buf(0, 4096));
    p.push(buf(4096, 4096));
    assertThat(p.free()).isEqualTo(1);
    p.push(buf(8192, 4096));
    assertThat(p.occupied()).isEqualTo(3);
    assertThat(p.free()).isZero();
    assertThatThrownBy(() -> p.push(buf(12288, 4096))).isInstanceOf(IllegalStateException.class).hasMessageContaining("full");
    assertThat(p.occupied()).isEqualTo(3);
    assertThat(offsets(p.drainAll())).containsExactly(0L, 4096L, 8192L);
  }

  @Test
  void drainingFreesSlotsForNewBuffers() {
    Pipe p = new Pipe(1, 2);
    p.push(buf(0, 4096));
    p.push(buf(4096, 4096));
    assertThat(offsets(p.drain(4096))).containsExactly(0L);
    assertThat(p.free()).isEqualTo(1);
    p.push(buf(8192, 4096));
    assertThat(offsets(p.drainAll())).containsExactly(4096L, 8192L);
  }

  @Test
  void drainTakesWholeBuffersOldestFirstUpToMaxBytes() {
    Pipe p = new Pipe(1, 16);
    p.push(buf(0, 4096));
    p.push(buf(4096, 4096));
    p.push(buf(8192, 100));
    p.push(buf(8292, 4096));
    p.push(buf(12388, 50));

    assertThat(offsets(p.drain(8191))).as("the second buffer would exceed max_bytes").containsExactly(0L);
    assertThat(offsets(p.drain(4196))).as("exactly max_bytes is allowed").containsExactly(4096L, 8192L);
    assertThat(p.occupied()).isEqualTo(2);
    assertThat(offsets(p.drain(4145))).as("one byte short of both").containsExactly(8292L);
    assertThat(offsets(p.drain(50))).containsExactly(12388L);
    assertThat(p.occupied()).isZero();
  }

  @Test
  void drainTakesAtLeastOneBufferEvenIfLargerThanMaxBytes() {
    Pipe p = new Pipe(1, 4);
    p.push(buf(0, 4096));
    p.push(buf(4096, 64));
    List<PipeBuffer> out = p.drain(1);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).getLength()).isEqualTo(4096);
    assertThat(offsets(p.drain(1))).containsExactly(4096L);
    assertThat(p.drain(1)).isEmpty();
  }

  @Test
  void drainAllEmptiesThePipeInOrder() {
    Pipe p = new Pipe(1, 4);
    p.push(buf(0, 10));
    p.push(buf(10, 20));
    p.push(buf(30, 30));
    List<PipeBuffer> all = p.drainAll();
    assertThat(offsets(all)).containsExactly(0L, 10L, 30L);
    assertThat(all).extracting(PipeBuffer::getLength).containsExactly(10, 20, 30);
    assertThat(p.occupied()).isZero();
    assertThat(p.free()).isEqualTo(4);
    assertThat(p.drainAll()).isEmpty();
  }

  @Test
  void tableCreatesDistinctPipesAndFindsThem() {
    PipeTable t = new PipeTable();
    Pipe a = t.create(4);
    Pipe b = t.create(8);
    assertThat(a.id()).isNotEqualTo(b.id());
    assertThat(a.capacity()).isEqualTo(4);
    assertThat(b.capacity()).isEqualTo(8);
    assertThat(t.size()).isEqualTo(2);
    assertThat(t.get(a.id())).isSameAs(a);
    assertThat(t.get(b.id())).isSameAs(b);

    a.push(buf(0, 1));
    b.push(buf(0, 1));
    b.push(buf(1, 1));
    assertThat(t.bufferedBuffers()).isEqualTo(3);

    assertThat(t.remove(a.id())).isSameAs(a);
    assertThat(t.size()).isEqualTo(1);
    assertThat(t.bufferedBuffers()).isEqualTo(2);
  }

  @Test
  void unknownPipeIdIsAnIllegalArgumentNamingPipeId() {
    PipeTable t = new PipeTable();
    Pipe a = t.create(4);
    long unknown = a.id() + 1000;
    assertThatThrownBy(() -> t.get(unknown)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pipe_id").hasMessageContaining(Long.toString(unknown));
    assertThatThrownBy(() -> t.remove(unknown)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pipe_id");
    t.remove(a.id());
    assertThatThrownBy(() -> t.get(a.id())).as("a closed pipe is unknown").isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pipe_id");
    assertThatThrownBy(() -> t.remove(a.id())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pipe_id");
  }
}
