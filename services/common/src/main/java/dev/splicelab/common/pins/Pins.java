package dev.splicelab.common.pins;

import dev.splicelab.proto.FolioRef;
import dev.splicelab.proto.UnpinRequest;

/** Building unpin requests: each reference releases the kind of pin (and hold) it carries. */
public final class Pins {
  private Pins() {}

  public static void release(UnpinRequest.Builder unpin, FolioRef ref) {
    if (ref.getPrivatePin()) {
      unpin.addPrivateFolioIds(ref.getFolioId());
    } else if (ref.getStableHold()) {
      unpin.addStableFolioIds(ref.getFolioId());
    } else {
      unpin.addFolioIds(ref.getFolioId());
    }
  }

  public static int count(UnpinRequest.Builder unpin) {
    return unpin.getFolioIdsCount() + unpin.getPrivateFolioIdsCount() + unpin.getStableFolioIdsCount();
  }
}
