package dev.splicelab.common.tls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TlsRecordsTest {

  final byte[] key = TlsRecords.key("run-1");
  final byte[] nonce = TlsRecords.nonce("t/0/1/2", 3, 0);

  @Test
  void roundTripsAndTheCiphertextDiffersFromThePlaintext() {
    byte[] plain = "the bytes spliced into the pipe".getBytes();
    TlsRecords.Sealed s = TlsRecords.seal(key, nonce, plain);
    assertThat(s.ciphertext()).hasSameSizeAs(plain).isNotEqualTo(plain);
    assertThat(s.tag()).hasSize(16);
    assertThat(TlsRecords.open(key, nonce, s.ciphertext(), s.tag())).isEqualTo(plain);
  }

  @Test
  void reEncryptingChangedPlaintextUnderTheFirstTagIsAMacFailure() {
    byte[] first = new byte[256];
    byte[] changed = first.clone();
    changed[100] = 7;
    TlsRecords.Sealed a = TlsRecords.seal(key, nonce, first);
    TlsRecords.Sealed b = TlsRecords.seal(key, nonce, changed);
    assertThat(TlsRecords.open(key, nonce, b.ciphertext(), a.tag())).isNull();
    assertThat(TlsRecords.open(key, nonce, TlsRecords.seal(key, nonce, first).ciphertext(), a.tag())).isEqualTo(first);
  }

  @Test
  void nonceDependsOnTransferSegmentAndAttempt() {
    assertThat(TlsRecords.nonce("t", 1, 0)).isNotEqualTo(TlsRecords.nonce("t", 2, 0)).isNotEqualTo(TlsRecords.nonce("t", 1, 1))
        .hasSize(12);
  }
}
