package dev.splicelab.launcher.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Toxiproxy discovery: absent means fall back, a malformed URL names the flag. */
class NetworkFaultsTest {

  @Test
  void nothingListeningMeansNoToxiproxy() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThat(NetworkFaults.probe("http://127.0.0.1:" + port)).isEmpty();
  }

  @Test
  void aMalformedUrlNamesTheFlag() {
    assertThatThrownBy(() -> NetworkFaults.probe("localhost:8474")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--toxiproxy: must be http://HOST:PORT, got 'localhost:8474'");
    assertThatThrownBy(() -> NetworkFaults.probe("http://bad host")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--toxiproxy");
  }

  @Test
  void onlyTheStorageNodeAndTheReceiverAreFronted() {
    assertThat(NetworkFaults.PROXIES).containsOnlyKeys(ServiceFleet.Service.STORAGE, ServiceFleet.Service.CHECKER);
  }
}
