package dev.splicelab.checker.domain;

import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.ModelVerdict;
import dev.splicelab.proto.VerdictRecord;
import java.util.List;

/** The verdicts topic's record of one judged transfer (its three models' verdicts). */
public final class VerdictRecords {

  private VerdictRecords() {}

  /** One record for the models of one transfer, as {@link Verifier#perTransfer} hands them over. */
  public static VerdictRecord of(List<Verifier.Judged> models, long atNanos) {
    Verifier.Judged first = models.get(0);
    VerdictRecord.Builder v = VerdictRecord.newBuilder().setContext(first.context()).setTransferId(first.transferId())
        .setDetected(first.detected()).setAtNanos(atNanos);
    for (Verifier.Judged j : models) {
      ModelVerdict.Builder m = ModelVerdict.newBuilder().setModel(j.model()).setVerdict(j.verdict())
          .setFailureClass(j.failureClass()).addAllWitness(j.witness()).addAllCauses(j.causes());
      j.wrongBytes().forEach((FailureClass k, Long n) -> m.putWrongBytes(k.name(), n));
      v.addModels(m);
    }
    return v.build();
  }
}
