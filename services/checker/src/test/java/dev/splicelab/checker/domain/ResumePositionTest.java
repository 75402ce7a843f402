package dev.splicelab.checker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The committed resume position: the oldest live cell's first offset per partition, and nothing older. */
class ResumePositionTest {

  private static final TopicPartition P0 = new TopicPartition("splicelab.mutations", 0);
  private static final TopicPartition P1 = new TopicPartition("splicelab.mutations", 1);

  private final ResumePosition resume = new ResumePosition();

  @Test
  void theOldestLiveCellPinsEachPartitionItHasRecordsOn() {
    resume.seen("r#0", P0, 10, 0);
    resume.seen("r#0", P0, 11, 0);
    resume.seen("r#1", P0, 20, 0);
    resume.seen("r#1", P1, 5, 0);
    Map<TopicPartition, OffsetAndMetadata> c = resume.commit(Map.of(P0, 30L, P1, 9L), List.of(), 1);
    assertThat(c.get(P0).offset()).isEqualTo(10);
    assertThat(c.get(P1).offset()).isEqualTo(5);
  }

  @Test
  void aFinalizedCellNoLongerPinsAndIsNamedInTheMetadata() {
    resume.seen("r#0", P0, 10, 0);
    resume.seen("r#1", P0, 20, 0);
    Map<TopicPartition, OffsetAndMetadata> c = resume.commit(Map.of(P0, 30L, P1, 7L), List.of("r#0"), 1);
    assertThat(c.get(P0).offset()).isEqualTo(20);
    assertThat(c.get(P1).offset()).as("no live cell there: the reader's position").isEqualTo(7);
    assertThat(ResumePosition.finalizedIn(c)).containsExactly("r#0");
    assertThat(resume.liveCells()).isEqualTo(1);
  }

  @Test
  void aStaleCellStopsHoldingThePositionBack() {
    resume.seen("abandoned#3", P0, 4, 0);
    resume.seen("r#0", P0, 50, ResumePosition.STALE_MILLIS);
    Map<TopicPartition, OffsetAndMetadata> c = resume.commit(Map.of(P0, 60L), List.of(), ResumePosition.STALE_MILLIS + 1);
    assertThat(c.get(P0).offset()).isEqualTo(50);
  }

  @Test
  void theMetadataNamesOnlyTheMostRecentFinalizedCellsAndStaysWithinKafkasLimit() {
    List<String> finalized = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      finalized.add("a-rather-long-run-identifier-20261202T000000Z#" + i);
    }
    Map<TopicPartition, OffsetAndMetadata> c = resume.commit(Map.of(P0, 1L), finalized, 0);
    List<String> named = ResumePosition.finalizedIn(c);
    assertThat(c.get(P0).metadata().length()).isLessThan(4096);
    assertThat(named).hasSizeLessThanOrEqualTo(ResumePosition.METADATA_CELLS).contains(finalized.get(499))
        .doesNotContain(finalized.get(0));
  }
}
