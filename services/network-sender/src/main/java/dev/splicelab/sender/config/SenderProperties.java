package dev.splicelab.sender.config;

import dev.splicelab.common.time.Realtime;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * network-sender settings (prefix splicelab.sender).
 *
 * @param realtimePriority the SCHED_RR priority of the threads that keep the scenario's time (each
 *     connection's application thread, its NIC thread and the link's timers), 1 to 99; 0 leaves
 *     them under the default policy. application.yaml takes it from SPLICELAB_REALTIME_PRIORITY,
 *     default {@value Realtime#DEFAULT_PRIORITY}. Where the host refuses it (no CAP_SYS_NICE) they
 *     stay under the default policy and every run says so ({@code SenderStatus.scheduling}).
 */
@ConfigurationProperties("splicelab.sender")
public record SenderProperties(int realtimePriority) {

  public SenderProperties {
    if (realtimePriority < 0 || realtimePriority > Realtime.MAX_PRIORITY) {
      throw new IllegalArgumentException("splicelab.sender.realtime-priority: must be between 0 (off) and "
          + Realtime.MAX_PRIORITY + ", got " + realtimePriority);
    }
  }
}
