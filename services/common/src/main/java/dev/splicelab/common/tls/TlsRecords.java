package dev.splicelab.common.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * TLS 1.3-style records for the emulated link: AES-128-GCM through the JDK's provider, one record
 * per segment. Both ends derive the session key from the run id and the record nonce from
 * (transfer, segment, splice attempt), as kTLS derives them from the handshake and the record
 * sequence number. A record re-encrypted with the same nonce (TLS offload resync on
 * retransmission) keeps its nonce, so the tag that went out first authenticates only the first
 * plaintext. Stateless and thread-safe (a Cipher per call).
 */
public final class TlsRecords {

  public static final int TAG_BYTES = 16;

  private TlsRecords() {}

  /** A record: ciphertext without the tag, and the tag. */
  public record Sealed(byte[] ciphertext, byte[] tag) {}

  public static byte[] key(String runId) {
    return Arrays.copyOf(sha256("splicelab-tls-key:" + runId), 16);
  }

  public static byte[] nonce(String transferId, int seq, int spliceAttempt) {
    return Arrays.copyOf(sha256("nonce:" + transferId + "/" + seq + "/" + spliceAttempt), 12);
  }

  public static Sealed seal(byte[] key, byte[] nonce, byte[] plaintext) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
      byte[] out = c.doFinal(plaintext);
      return new Sealed(Arrays.copyOf(out, out.length - TAG_BYTES), Arrays.copyOfRange(out, out.length - TAG_BYTES, out.length));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable: " + e, e);
    }
  }

  /** The plaintext, or null when the tag does not authenticate the ciphertext (a MAC failure). */
  public static byte[] open(byte[] key, byte[] nonce, byte[] ciphertext, byte[] tag) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
      c.update(ciphertext);
      return c.doFinal(tag);
    } catch (AEADBadTagException e) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable: " + e, e);
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
