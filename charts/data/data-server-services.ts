import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';

/** Props of {@link DataServerServices}. */
export interface DataServerServicesProps {
  /** The client Service's name; the headless one is `<name>-headless`. */
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The server pod's labels. */
  readonly selector: Record<string, string>;
  /** The server's port, named as the container port it targets. */
  readonly port: { readonly name: string; readonly port: number; readonly appProtocol: string };
  /** The exporter sidecar's port (container port `metrics`), for the ServiceMonitor. */
  readonly metricsPort: number;
}

/**
 * The two Services of a single-replica data server: a headless one that gives the StatefulSet's pod its DNS name
 * (also while it is not ready: recovery, init, debugging), and the client Service with the exporter's port.
 */
export class DataServerServices extends Construct {
  public readonly name: string;
  public readonly headlessName: string;

  constructor(scope: Construct, id: string, props: DataServerServicesProps) {
    super(scope, id);
    this.name = props.name;
    this.headlessName = `${props.name}-headless`;
    const port = (p: { name: string; port: number; appProtocol?: string }): k8s.ServicePort => ({
      name: p.name,
      port: p.port,
      targetPort: k8s.IntOrString.fromString(p.name),
      protocol: 'TCP',
      appProtocol: p.appProtocol,
    });
    new k8s.KubeService(this, 'Headless', {
      metadata: { name: this.headlessName, labels: props.labels },
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: props.selector, ports: [port({ name: props.port.name, port: props.port.port })] },
    });
    new k8s.KubeService(this, 'Client', {
      metadata: { name: this.name, labels: props.labels },
      spec: {
        type: 'ClusterIP',
        selector: props.selector,
        ports: [port(props.port), port({ name: 'metrics', port: props.metricsPort, appProtocol: 'http' })],
      },
    });
  }
}
