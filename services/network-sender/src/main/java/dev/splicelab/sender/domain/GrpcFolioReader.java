package dev.splicelab.sender.domain;

import dev.splicelab.proto.FolioRef;
import dev.splicelab.proto.ReadFolioReply;
import dev.splicelab.proto.ReadFolioRequest;
import dev.splicelab.proto.StorageNodeGrpc;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads pinned pages with one ReadFolio call per read: the data path where the storage node's
 * memory cannot be mapped (another host). A confirmed read is checked and copied under the
 * file's lock by the node.
 */
final class GrpcFolioReader implements FolioReader {

  private final StorageNodeGrpc.StorageNodeBlockingStub storage;
  private final String reason;

  GrpcFolioReader(StorageNodeGrpc.StorageNodeBlockingStub storage, String reason) {
    this.storage = storage;
    this.reason = reason;
  }

  private StorageNodeGrpc.StorageNodeBlockingStub stub() {
    return storage.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Override
  public void read(List<FolioRef> slices, byte[] dst) {
    stub().readFolio(ReadFolioRequest.newBuilder().addAllSlices(slices).build()).getData().copyTo(dst, 0);
  }

  @Override
  public boolean readConfirmed(List<FolioRef> slices, byte[] dst, int fileId, int cookieSlot, long expectedCookie) {
    ReadFolioReply r = stub().readFolio(ReadFolioRequest.newBuilder().addAllSlices(slices).setConfirm(true)
        .setFileId(fileId).setExpectedCookie(expectedCookie).build());
    if (r.getConfirmFailed()) {
      return false;
    }
    r.getData().copyTo(dst, 0);
    return true;
  }

  @Override
  public boolean confirm(FolioRef any, int fileId, int cookieSlot, long expectedCookie) {
    return !stub().readFolio(ReadFolioRequest.newBuilder().addSlices(any.toBuilder().setLength(1)).setConfirm(true)
        .setFileId(fileId).setExpectedCookie(expectedCookie).build()).getConfirmFailed();
  }

  @Override
  public String describe() {
    return "grpc ReadFolio (" + reason + ")";
  }

  @Override
  public void close() {
  }
}
