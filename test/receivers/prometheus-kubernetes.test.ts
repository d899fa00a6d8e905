/**
 * Kubernetes service discovery: the mapping from API objects to target groups against the
 * expectations of Prometheus's own discovery/kubernetes tests (pod_test.go, service_test.go,
 * endpoints_test.go), config validation with exact messages, and the LIST/WATCH client against
 * a small local HTTP(S) server in this file that speaks the Kubernetes list/watch protocol. No
 * real API server is involved: these are unit tests of our client against the protocol.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidError } from '../../src/errors.js';
import { startKubernetesDiscovery } from '../../src/receivers/prometheus/scrape/kubernetes.js';
import { parseKubernetesSdConfig, type KubernetesSdConfig } from '../../src/receivers/prometheus/scrape/kubernetes-config.js';
import { resolveKubernetesConnection } from '../../src/receivers/prometheus/scrape/kubernetes-connection.js';
import { endpointsTargetGroup, kubernetesObjectKey, podTargetGroup, serviceTargetGroup } from '../../src/receivers/prometheus/scrape/kubernetes-targets.js';
import type { Discoverer, TargetGroup } from '../../src/receivers/prometheus/scrape/types.js';
import { captureLog } from '../helpers/log.js';

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Fixtures: the objects of Prometheus's tests, as the API server serves them in JSON.
// ---------------------------------------------------------------------------------------------

/** pod_test.go makeMultiPortPods. */
function makeMultiPortPods(): Obj {
  return {
    metadata: {
      name: 'testpod',
      namespace: 'default',
      labels: { 'test/label': 'testvalue' },
      annotations: { 'test/annotation': 'testannotationvalue' },
      uid: 'abc123',
      ownerReferences: [{ kind: 'testcontrollerkind', name: 'testcontrollername', controller: true }],
    },
    spec: {
      nodeName: 'testnode',
      containers: [
        {
          name: 'testcontainer0',
          image: 'testcontainer0:latest',
          ports: [
            { name: 'testport0', protocol: 'TCP', containerPort: 9000 },
            { name: 'testport1', protocol: 'UDP', containerPort: 9001 },
          ],
        },
        { name: 'testcontainer1', image: 'testcontainer1:latest' },
      ],
    },
    status: {
      podIP: '1.2.3.4',
      hostIP: '2.3.4.5',
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'testcontainer0', containerID: 'docker://a1b2c3d4e5f6' },
        { name: 'testcontainer1', containerID: 'containerd://6f5e4d3c2b1a' },
      ],
    },
  };
}

/** pod_test.go makePods. */
function makePods(namespace: string, name = 'testpod'): Obj {
  return {
    metadata: { name, namespace, uid: 'abc123' },
    spec: {
      nodeName: 'testnode',
      containers: [{ name: 'testcontainer', image: 'testcontainer:latest', ports: [{ name: 'testport', protocol: 'TCP', containerPort: 9000 }] }],
    },
    status: {
      podIP: '1.2.3.4',
      hostIP: '2.3.4.5',
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'testcontainer', containerID: 'docker://a1b2c3d4e5f6' }],
    },
  };
}

/** pod_test.go makeInitContainerPods. */
function makeInitContainerPods(): Obj {
  const pod = makePods('default');
  (pod.spec as Obj).initContainers = [{ name: 'initcontainer', image: 'initcontainer:latest' }];
  pod.status = {
    podIP: '1.2.3.4',
    hostIP: '2.3.4.5',
    phase: 'Pending',
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [{ name: 'testcontainer', containerID: 'docker://a1b2c3d4e5f6' }],
    initContainerStatuses: [{ name: 'initcontainer', containerID: 'containerd://6f5e4d3c2b1a' }],
  };
  return pod;
}

/** pod_test.go expectedPodTargetGroups. */
function expectedPodTargetGroup(ns: string): TargetGroup {
  return {
    source: `pod/${ns}/testpod`,
    targets: [
      {
        __address__: '1.2.3.4:9000',
        __meta_kubernetes_pod_container_name: 'testcontainer',
        __meta_kubernetes_pod_container_image: 'testcontainer:latest',
        __meta_kubernetes_pod_container_port_name: 'testport',
        __meta_kubernetes_pod_container_port_number: '9000',
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
        __meta_kubernetes_pod_container_init: 'false',
        __meta_kubernetes_pod_container_id: 'docker://a1b2c3d4e5f6',
      },
    ],
    labels: {
      __meta_kubernetes_pod_name: 'testpod',
      __meta_kubernetes_namespace: ns,
      __meta_kubernetes_pod_node_name: 'testnode',
      __meta_kubernetes_pod_ip: '1.2.3.4',
      __meta_kubernetes_pod_host_ip: '2.3.4.5',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_uid: 'abc123',
    },
  };
}

/** service_test.go makeService, makeExternalService, makeLoadBalancerService, makeMultiPortService. */
function makeService(namespace: string): Obj {
  return {
    metadata: { name: 'testservice', namespace },
    spec: { ports: [{ name: 'testport', protocol: 'TCP', port: 30900 }], type: 'ClusterIP', clusterIP: '10.0.0.1' },
  };
}
const makeExternalService = (): Obj => ({
  metadata: { name: 'testservice-external', namespace: 'default' },
  spec: { ports: [{ name: 'testport', protocol: 'TCP', port: 31900 }], type: 'ExternalName', externalName: 'FooExternalName' },
});
const makeLoadBalancerService = (): Obj => ({
  metadata: { name: 'testservice-loadbalancer', namespace: 'default' },
  spec: { ports: [{ name: 'testport', protocol: 'TCP', port: 31900 }], type: 'LoadBalancer', loadBalancerIP: '127.0.0.1', clusterIP: '10.0.0.1' },
});
const makeMultiPortService = (): Obj => ({
  metadata: { name: 'testservice', namespace: 'default', labels: { 'test-label': 'testvalue' }, annotations: { 'test-annotation': 'testannotationvalue' } },
  spec: {
    ports: [
      { name: 'testport0', protocol: 'TCP', port: 30900 },
      { name: 'testport1', protocol: 'UDP', port: 30901 },
    ],
    type: 'ClusterIP',
    clusterIP: '10.0.0.1',
  },
});

/** endpoints_test.go makeEndpoints. */
function makeEndpoints(namespace: string): Obj {
  return {
    metadata: { name: 'testendpoints', namespace, annotations: { 'test.annotation': 'test' } },
    subsets: [
      { addresses: [{ ip: '1.2.3.4', hostname: 'testendpoint1', nodeName: 'foobar' }], ports: [{ name: 'testport', port: 9000, protocol: 'TCP' }] },
      { addresses: [{ ip: '2.3.4.5' }], notReadyAddresses: [{ ip: '2.3.4.5' }], ports: [{ name: 'testport', port: 9001, protocol: 'TCP' }] },
      { addresses: [{ ip: '6.7.8.9', targetRef: { kind: 'Node', name: 'barbaz' } }], ports: [{ name: 'testport', port: 9002, protocol: 'TCP' }] },
    ],
  };
}

/** The four targets of makeEndpoints (TestEndpointsDiscoveryBeforeRun). */
const makeEndpointsTargets = () => [
  {
    __address__: '1.2.3.4:9000',
    __meta_kubernetes_endpoint_hostname: 'testendpoint1',
    __meta_kubernetes_endpoint_node_name: 'foobar',
    __meta_kubernetes_endpoint_port_name: 'testport',
    __meta_kubernetes_endpoint_port_protocol: 'TCP',
    __meta_kubernetes_endpoint_ready: 'true',
  },
  { __address__: '2.3.4.5:9001', __meta_kubernetes_endpoint_port_name: 'testport', __meta_kubernetes_endpoint_port_protocol: 'TCP', __meta_kubernetes_endpoint_ready: 'true' },
  { __address__: '2.3.4.5:9001', __meta_kubernetes_endpoint_port_name: 'testport', __meta_kubernetes_endpoint_port_protocol: 'TCP', __meta_kubernetes_endpoint_ready: 'false' },
  {
    __address__: '6.7.8.9:9002',
    __meta_kubernetes_endpoint_address_target_kind: 'Node',
    __meta_kubernetes_endpoint_address_target_name: 'barbaz',
    __meta_kubernetes_endpoint_port_name: 'testport',
    __meta_kubernetes_endpoint_port_protocol: 'TCP',
    __meta_kubernetes_endpoint_ready: 'true',
  },
];

/** The pod of TestEndpointsDiscoveryAdd: two containers, one port each, no conditions. */
function makeEndpointsPod(namespace = 'default'): Obj {
  return {
    metadata: { name: 'testpod', namespace, uid: 'deadbeef' },
    spec: {
      nodeName: 'testnode',
      containers: [
        { name: 'c1', image: 'c1:latest', ports: [{ name: 'mainport', containerPort: 9000, protocol: 'TCP' }] },
        { name: 'c2', image: 'c2:latest', ports: [{ name: 'sideport', containerPort: 9001, protocol: 'TCP' }] },
      ],
    },
    status: { hostIP: '2.3.4.5', podIP: '1.2.3.4' },
  };
}

/** Endpoints with one address pointing at pod `testpod`. */
function makePodEndpoints(namespace = 'default', ports = [{ name: 'testport', port: 9000, protocol: 'TCP' }]): Obj {
  return {
    metadata: { name: 'testendpoints', namespace },
    subsets: [{ addresses: [{ ip: '4.3.2.1', targetRef: { kind: 'Pod', name: 'testpod', namespace } }], ports }],
  };
}

/** The labels endpoints targets get from an unconditioned pod such as makeEndpointsPod. */
const unreadyPodLabels = (podIP = '1.2.3.4') => ({
  __meta_kubernetes_pod_name: 'testpod',
  __meta_kubernetes_pod_ip: podIP,
  __meta_kubernetes_pod_ready: 'unknown',
  __meta_kubernetes_pod_phase: '',
  __meta_kubernetes_pod_node_name: 'testnode',
  __meta_kubernetes_pod_host_ip: '2.3.4.5',
  __meta_kubernetes_pod_uid: 'deadbeef',
});

const byKey = (...objects: Obj[]) => new Map(objects.map((o) => [kubernetesObjectKey(o), o] as const));
const none = new Map<string, unknown>();

// ---------------------------------------------------------------------------------------------
// Role pod
// ---------------------------------------------------------------------------------------------

describe('podTargetGroup (pod_test.go)', () => {
  it('gives a target per container port and one per container without ports, with all pod meta labels (TestPodDiscoveryBeforeRun)', () => {
    expect(podTargetGroup(makeMultiPortPods())).toEqual({
      source: 'pod/default/testpod',
      targets: [
        {
          __address__: '1.2.3.4:9000',
          __meta_kubernetes_pod_container_name: 'testcontainer0',
          __meta_kubernetes_pod_container_image: 'testcontainer0:latest',
          __meta_kubernetes_pod_container_port_name: 'testport0',
          __meta_kubernetes_pod_container_port_number: '9000',
          __meta_kubernetes_pod_container_port_protocol: 'TCP',
          __meta_kubernetes_pod_container_init: 'false',
          __meta_kubernetes_pod_container_id: 'docker://a1b2c3d4e5f6',
        },
        {
          __address__: '1.2.3.4:9001',
          __meta_kubernetes_pod_container_name: 'testcontainer0',
          __meta_kubernetes_pod_container_image: 'testcontainer0:latest',
          __meta_kubernetes_pod_container_port_name: 'testport1',
          __meta_kubernetes_pod_container_port_number: '9001',
          __meta_kubernetes_pod_container_port_protocol: 'UDP',
          __meta_kubernetes_pod_container_init: 'false',
          __meta_kubernetes_pod_container_id: 'docker://a1b2c3d4e5f6',
        },
        {
          __address__: '1.2.3.4',
          __meta_kubernetes_pod_container_name: 'testcontainer1',
          __meta_kubernetes_pod_container_image: 'testcontainer1:latest',
          __meta_kubernetes_pod_container_init: 'false',
          __meta_kubernetes_pod_container_id: 'containerd://6f5e4d3c2b1a',
        },
      ],
      labels: {
        __meta_kubernetes_pod_name: 'testpod',
        __meta_kubernetes_namespace: 'default',
        __meta_kubernetes_pod_label_test_label: 'testvalue',
        __meta_kubernetes_pod_labelpresent_test_label: 'true',
        __meta_kubernetes_pod_annotation_test_annotation: 'testannotationvalue',
        __meta_kubernetes_pod_annotationpresent_test_annotation: 'true',
        __meta_kubernetes_pod_node_name: 'testnode',
        __meta_kubernetes_pod_ip: '1.2.3.4',
        __meta_kubernetes_pod_host_ip: '2.3.4.5',
        __meta_kubernetes_pod_ready: 'true',
        __meta_kubernetes_pod_phase: 'Running',
        __meta_kubernetes_pod_uid: 'abc123',
        __meta_kubernetes_pod_controller_kind: 'testcontrollerkind',
        __meta_kubernetes_pod_controller_name: 'testcontrollername',
      },
    });
  });

  it('gives init containers a target too, marked init (TestPodDiscoveryInitContainer)', () => {
    const expected = expectedPodTargetGroup('default');
    expected.targets.push({
      __address__: '1.2.3.4',
      __meta_kubernetes_pod_container_name: 'initcontainer',
      __meta_kubernetes_pod_container_image: 'initcontainer:latest',
      __meta_kubernetes_pod_container_init: 'true',
      __meta_kubernetes_pod_container_id: 'containerd://6f5e4d3c2b1a',
    });
    expected.labels.__meta_kubernetes_pod_phase = 'Pending';
    expected.labels.__meta_kubernetes_pod_ready = 'false';
    expect(podTargetGroup(makeInitContainerPods())).toEqual(expected);
  });

  it('gives the expected group in any namespace (TestPodDiscoveryAdd, TestPodDiscoveryNamespaces)', () => {
    expect(podTargetGroup(makePods('default'))).toEqual(expectedPodTargetGroup('default'));
    expect(podTargetGroup(makePods('ns2'))).toEqual(expectedPodTargetGroup('ns2'));
  });

  it('gives an empty group while the pod has no IP (TestPodDiscoveryUpdateEmptyPodIP)', () => {
    const pod = makePods('default');
    (pod.status as Obj).podIP = '';
    expect(podTargetGroup(pod)).toEqual({ source: 'pod/default/testpod', targets: [], labels: {} });
  });

  it('takes readiness from the Ready condition among the others, lower-cased', () => {
    const pod = makePods('default');
    (pod.status as Obj).conditions = [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'False' },
      { type: 'ContainersReady', status: 'True' },
    ];
    expect(podTargetGroup(pod).labels.__meta_kubernetes_pod_ready).toBe('false');
  });

  it('says ready "unknown" without a Ready condition, an empty phase and container ID when the status lacks them', () => {
    const pod = makePods('default');
    pod.status = { podIP: '1.2.3.4', hostIP: '2.3.4.5' };
    const group = podTargetGroup(pod);
    expect(group.labels.__meta_kubernetes_pod_ready).toBe('unknown');
    expect(group.labels.__meta_kubernetes_pod_phase).toBe('');
    expect(group.targets[0]!.__meta_kubernetes_pod_container_id).toBe('');
  });

  it('brackets an IPv6 pod IP, canonical, for containers without ports, and names the first IPv4 and IPv6 of podIPs', () => {
    const pod = makePods('default');
    pod.spec = { nodeName: 'n', containers: [{ name: 'c', image: 'i' }, { name: 'd', image: 'i', ports: [{ name: 'p', protocol: 'TCP', containerPort: 80 }] }] };
    pod.status = { podIP: 'FD00:0:0:0::1', podIPs: [{ ip: 'FD00:0:0:0::1' }, { ip: '' }, { ip: '10.1.2.3' }, { ip: '10.9.9.9' }, { ip: 'fd00::2' }] };
    const group = podTargetGroup(pod);
    expect(group.targets.map((t) => t.__address__)).toEqual(['[fd00::1]', '[FD00:0:0:0::1]:80']);
    expect(group.labels.__meta_kubernetes_pod_ipv4).toBe('10.1.2.3');
    expect(group.labels.__meta_kubernetes_pod_ipv6).toBe('FD00:0:0:0::1');
  });

  it('leaves an IPv4 pod IP, and an IPv4-mapped IPv6 one, without brackets', () => {
    const pod = makePods('default');
    pod.spec = { containers: [{ name: 'c' }] };
    pod.status = { podIP: '10.0.0.7' };
    expect(podTargetGroup(pod).targets[0]!.__address__).toBe('10.0.0.7');
    pod.status = { podIP: '::ffff:10.0.0.7', podIPs: [{ ip: '::ffff:10.0.0.7' }] };
    const group = podTargetGroup(pod);
    expect(group.targets[0]!.__address__).toBe('::ffff:10.0.0.7');
    expect(group.labels.__meta_kubernetes_pod_ipv4).toBe('::ffff:10.0.0.7');
    expect(group.labels.__meta_kubernetes_pod_ipv6).toBeUndefined();
  });

  it('sanitises label and annotation names as strutil.SanitizeLabelName: one "_" per character outside [a-zA-Z0-9_]', () => {
    const pod = makePods('default');
    (pod.metadata as Obj).labels = { 'app.kubernetes.io/name': 'web', 'größe': 'xl', 'emoji😀x': 'y' };
    const labels = podTargetGroup(pod).labels;
    expect(labels.__meta_kubernetes_pod_label_app_kubernetes_io_name).toBe('web');
    expect(labels.__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name).toBe('true');
    expect(labels.gr_e).toBeUndefined();
    expect(labels.__meta_kubernetes_pod_label_gr__e).toBe('xl');
    expect(labels.__meta_kubernetes_pod_label_emoji_x).toBe('y');
  });

  it('names the controller only when the owner reference is the controller', () => {
    const pod = makePods('default');
    (pod.metadata as Obj).ownerReferences = [{ kind: 'ReplicaSet', name: 'rs', controller: false }, { kind: 'Node', name: 'n' }];
    expect(podTargetGroup(pod).labels.__meta_kubernetes_pod_controller_kind).toBeUndefined();
    (pod.metadata as Obj).ownerReferences = [{ kind: 'ReplicaSet', name: 'rs', controller: true }];
    expect(podTargetGroup(pod).labels).toMatchObject({ __meta_kubernetes_pod_controller_kind: 'ReplicaSet', __meta_kubernetes_pod_controller_name: 'rs' });
  });

  it('reads an object with wrong types as Go would decode zero values, without throwing', () => {
    expect(podTargetGroup(null)).toEqual({ source: 'pod//', targets: [], labels: {} });
    const group = podTargetGroup({ metadata: { name: 'p', namespace: 'n', labels: { a: 1 } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: '80' }] }] }, status: { podIP: '1.1.1.1' } });
    expect(group.targets[0]!.__address__).toBe('1.1.1.1:0');
    expect(group.labels.__meta_kubernetes_pod_label_a).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Role service
// ---------------------------------------------------------------------------------------------

describe('serviceTargetGroup (service_test.go)', () => {
  it('gives ClusterIP, ExternalName and LoadBalancer services their targets (TestServiceDiscoveryAdd)', () => {
    expect([makeService('default'), makeExternalService(), makeLoadBalancerService()].map(serviceTargetGroup)).toEqual([
      {
        source: 'svc/default/testservice',
        targets: [
          {
            __meta_kubernetes_service_port_protocol: 'TCP',
            __address__: 'testservice.default.svc:30900',
            __meta_kubernetes_service_type: 'ClusterIP',
            __meta_kubernetes_service_cluster_ip: '10.0.0.1',
            __meta_kubernetes_service_port_name: 'testport',
            __meta_kubernetes_service_port_number: '30900',
          },
        ],
        labels: { __meta_kubernetes_service_name: 'testservice', __meta_kubernetes_namespace: 'default' },
      },
      {
        source: 'svc/default/testservice-external',
        targets: [
          {
            __meta_kubernetes_service_port_protocol: 'TCP',
            __address__: 'testservice-external.default.svc:31900',
            __meta_kubernetes_service_type: 'ExternalName',
            __meta_kubernetes_service_port_name: 'testport',
            __meta_kubernetes_service_port_number: '31900',
            __meta_kubernetes_service_external_name: 'FooExternalName',
          },
        ],
        labels: { __meta_kubernetes_service_name: 'testservice-external', __meta_kubernetes_namespace: 'default' },
      },
      {
        source: 'svc/default/testservice-loadbalancer',
        targets: [
          {
            __meta_kubernetes_service_port_protocol: 'TCP',
            __address__: 'testservice-loadbalancer.default.svc:31900',
            __meta_kubernetes_service_type: 'LoadBalancer',
            __meta_kubernetes_service_port_name: 'testport',
            __meta_kubernetes_service_port_number: '31900',
            __meta_kubernetes_service_cluster_ip: '10.0.0.1',
            __meta_kubernetes_service_loadbalancer_ip: '127.0.0.1',
          },
        ],
        labels: { __meta_kubernetes_service_name: 'testservice-loadbalancer', __meta_kubernetes_namespace: 'default' },
      },
    ]);
  });

  it('gives a target per port and the labels and annotations, sanitised (TestServiceDiscoveryUpdate)', () => {
    expect(serviceTargetGroup(makeMultiPortService())).toEqual({
      source: 'svc/default/testservice',
      targets: [
        {
          __meta_kubernetes_service_port_protocol: 'TCP',
          __address__: 'testservice.default.svc:30900',
          __meta_kubernetes_service_type: 'ClusterIP',
          __meta_kubernetes_service_cluster_ip: '10.0.0.1',
          __meta_kubernetes_service_port_name: 'testport0',
          __meta_kubernetes_service_port_number: '30900',
        },
        {
          __meta_kubernetes_service_port_protocol: 'UDP',
          __address__: 'testservice.default.svc:30901',
          __meta_kubernetes_service_type: 'ClusterIP',
          __meta_kubernetes_service_cluster_ip: '10.0.0.1',
          __meta_kubernetes_service_port_name: 'testport1',
          __meta_kubernetes_service_port_number: '30901',
        },
      ],
      labels: {
        __meta_kubernetes_service_name: 'testservice',
        __meta_kubernetes_namespace: 'default',
        __meta_kubernetes_service_label_test_label: 'testvalue',
        __meta_kubernetes_service_labelpresent_test_label: 'true',
        __meta_kubernetes_service_annotation_test_annotation: 'testannotationvalue',
        __meta_kubernetes_service_annotationpresent_test_annotation: 'true',
      },
    });
  });

  it('gives a service without ports an empty target list but its labels', () => {
    expect(serviceTargetGroup({ metadata: { name: 's', namespace: 'n' }, spec: { type: 'ClusterIP', clusterIP: 'None' } })).toEqual({
      source: 'svc/n/s',
      targets: [],
      labels: { __meta_kubernetes_service_name: 's', __meta_kubernetes_namespace: 'n' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Role endpoints
// ---------------------------------------------------------------------------------------------

describe('endpointsTargetGroup (endpoints_test.go)', () => {
  it('gives a target per address and port, not-ready ones again with ready "false" (TestEndpointsDiscoveryBeforeRun)', () => {
    expect(endpointsTargetGroup(makeEndpoints('default'), none, none)).toEqual({
      source: 'endpoints/default/testendpoints',
      targets: makeEndpointsTargets(),
      labels: {
        __meta_kubernetes_namespace: 'default',
        __meta_kubernetes_endpoints_name: 'testendpoints',
        __meta_kubernetes_endpoints_annotation_test_annotation: 'test',
        __meta_kubernetes_endpoints_annotationpresent_test_annotation: 'true',
      },
    });
  });

  it('adds the labels of the service of the same name (TestEndpointsDiscoveryWithService)', () => {
    const svc = { metadata: { name: 'testendpoints', namespace: 'default', labels: { 'app/name': 'test' } } };
    expect(endpointsTargetGroup(makeEndpoints('default'), byKey(svc), none)).toEqual({
      source: 'endpoints/default/testendpoints',
      targets: makeEndpointsTargets(),
      labels: {
        __meta_kubernetes_namespace: 'default',
        __meta_kubernetes_endpoints_name: 'testendpoints',
        __meta_kubernetes_service_label_app_name: 'test',
        __meta_kubernetes_service_labelpresent_app_name: 'true',
        __meta_kubernetes_service_name: 'testendpoints',
        __meta_kubernetes_endpoints_annotation_test_annotation: 'test',
        __meta_kubernetes_endpoints_annotationpresent_test_annotation: 'true',
      },
    });
  });

  it('ignores a service of another name or namespace', () => {
    const other = { metadata: { name: 'testendpoints', namespace: 'elsewhere', labels: { a: 'b' } } };
    expect(endpointsTargetGroup(makeEndpoints('default'), byKey(other), none).labels.__meta_kubernetes_service_name).toBeUndefined();
  });

  it('attaches the pod and the matching container port, and targets the ports no endpoint covers (TestEndpointsDiscoveryAdd)', () => {
    expect(endpointsTargetGroup(makePodEndpoints(), none, byKey(makeEndpointsPod()))).toEqual({
      source: 'endpoints/default/testendpoints',
      targets: [
        {
          __address__: '4.3.2.1:9000',
          __meta_kubernetes_endpoint_port_name: 'testport',
          __meta_kubernetes_endpoint_port_protocol: 'TCP',
          __meta_kubernetes_endpoint_ready: 'true',
          __meta_kubernetes_endpoint_address_target_kind: 'Pod',
          __meta_kubernetes_endpoint_address_target_name: 'testpod',
          ...unreadyPodLabels(),
          __meta_kubernetes_pod_container_name: 'c1',
          __meta_kubernetes_pod_container_image: 'c1:latest',
          __meta_kubernetes_pod_container_port_name: 'mainport',
          __meta_kubernetes_pod_container_port_number: '9000',
          __meta_kubernetes_pod_container_port_protocol: 'TCP',
          __meta_kubernetes_pod_container_init: 'false',
        },
        {
          __address__: '1.2.3.4:9001',
          ...unreadyPodLabels(),
          __meta_kubernetes_pod_container_name: 'c2',
          __meta_kubernetes_pod_container_image: 'c2:latest',
          __meta_kubernetes_pod_container_port_name: 'sideport',
          __meta_kubernetes_pod_container_port_number: '9001',
          __meta_kubernetes_pod_container_port_protocol: 'TCP',
          __meta_kubernetes_pod_container_init: 'false',
        },
      ],
      labels: { __meta_kubernetes_endpoints_name: 'testendpoints', __meta_kubernetes_namespace: 'default' },
    });
  });

  it('matches endpoint ports to init (sidecar) container ports and targets uncovered init ports (TestEndpointsDiscoverySidecarContainer)', () => {
    const endpoints = {
      metadata: { name: 'testsidecar', namespace: 'default' },
      subsets: [
        {
          addresses: [{ ip: '4.3.2.1', targetRef: { kind: 'Pod', name: 'testpod', namespace: 'default' } }],
          ports: [
            { name: 'testport', port: 9000, protocol: 'TCP' },
            { name: 'initport', port: 9111, protocol: 'TCP' },
          ],
        },
      ],
    };
    const pod = {
      metadata: { name: 'testpod', namespace: 'default', uid: 'deadbeef' },
      spec: {
        nodeName: 'testnode',
        initContainers: [
          { name: 'ic1', image: 'ic1:latest', ports: [{ name: 'initport', containerPort: 1111, protocol: 'TCP' }] },
          { name: 'ic2', image: 'ic2:latest', ports: [{ name: 'initport', containerPort: 9111, protocol: 'TCP' }] },
        ],
        containers: [{ name: 'c1', image: 'c1:latest', ports: [{ name: 'mainport', containerPort: 9000, protocol: 'TCP' }] }],
      },
      status: { hostIP: '2.3.4.5', podIP: '4.3.2.1' },
    };
    const endpointTarget = { __meta_kubernetes_endpoint_address_target_kind: 'Pod', __meta_kubernetes_endpoint_address_target_name: 'testpod', __meta_kubernetes_endpoint_port_protocol: 'TCP', __meta_kubernetes_endpoint_ready: 'true' };
    expect(endpointsTargetGroup(endpoints, none, byKey(pod))).toEqual({
      source: 'endpoints/default/testsidecar',
      targets: [
        {
          __address__: '4.3.2.1:9000',
          ...endpointTarget,
          __meta_kubernetes_endpoint_port_name: 'testport',
          __meta_kubernetes_pod_container_image: 'c1:latest',
          __meta_kubernetes_pod_container_name: 'c1',
          __meta_kubernetes_pod_container_port_name: 'mainport',
          __meta_kubernetes_pod_container_port_number: '9000',
          __meta_kubernetes_pod_container_port_protocol: 'TCP',
          ...unreadyPodLabels('4.3.2.1'),
          __meta_kubernetes_pod_container_init: 'false',
        },
        {
          __address__: '4.3.2.1:9111',
          ...endpointTarget,
          __meta_kubernetes_endpoint_port_name: 'initport',
          __meta_kubernetes_pod_container_image: 'ic2:latest',
          __meta_kubernetes_pod_container_name: 'ic2',
          __meta_kubernetes_pod_container_port_name: 'initport',
          __meta_kubernetes_pod_container_port_number: '9111',
          __meta_kubernetes_pod_container_port_protocol: 'TCP',
          ...unreadyPodLabels('4.3.2.1'),
          __meta_kubernetes_pod_container_init: 'true',
        },
        {
          __address__: '4.3.2.1:1111',
          __meta_kubernetes_pod_container_image: 'ic1:latest',
          __meta_kubernetes_pod_container_name: 'ic1',
          __meta_kubernetes_pod_container_port_name: 'initport',
          __meta_kubernetes_pod_container_port_number: '1111',
          __meta_kubernetes_pod_container_port_protocol: 'TCP',
          ...unreadyPodLabels('4.3.2.1'),
          __meta_kubernetes_pod_container_init: 'true',
        },
      ],
      labels: { __meta_kubernetes_endpoints_name: 'testsidecar', __meta_kubernetes_namespace: 'default' },
    });
  });

  it('carries the pod phase and readiness as they are now (TestEndpointsDiscoveryUpdatePod)', () => {
    const pod = makeEndpointsPod();
    pod.spec = { nodeName: 'testnode', containers: [{ name: 'c1', image: 'c1:latest', ports: [{ name: 'mainport', containerPort: 9000, protocol: 'TCP' }] }] };
    pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], hostIP: '2.3.4.5', podIP: '4.3.2.1' };
    const group = endpointsTargetGroup(makePodEndpoints('default', [{ name: 'mainport', port: 9000, protocol: 'TCP' }]), none, byKey(pod));
    expect(group.targets).toEqual([
      {
        __address__: '4.3.2.1:9000',
        __meta_kubernetes_endpoint_port_name: 'mainport',
        __meta_kubernetes_endpoint_port_protocol: 'TCP',
        __meta_kubernetes_endpoint_ready: 'true',
        __meta_kubernetes_endpoint_address_target_kind: 'Pod',
        __meta_kubernetes_endpoint_address_target_name: 'testpod',
        __meta_kubernetes_pod_name: 'testpod',
        __meta_kubernetes_pod_ip: '4.3.2.1',
        __meta_kubernetes_pod_ready: 'true',
        __meta_kubernetes_pod_phase: 'Running',
        __meta_kubernetes_pod_node_name: 'testnode',
        __meta_kubernetes_pod_host_ip: '2.3.4.5',
        __meta_kubernetes_pod_container_name: 'c1',
        __meta_kubernetes_pod_container_image: 'c1:latest',
        __meta_kubernetes_pod_container_port_name: 'mainport',
        __meta_kubernetes_pod_container_port_number: '9000',
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
        __meta_kubernetes_pod_uid: 'deadbeef',
        __meta_kubernetes_pod_container_init: 'false',
      },
    ]);
  });

  it('gives an endpoints object without subsets its labels and no targets (TestEndpointsDiscoveryEmptySubsets)', () => {
    expect(endpointsTargetGroup({ metadata: { name: 'testendpoints', namespace: 'default' }, subsets: [] }, none, none)).toEqual({
      source: 'endpoints/default/testendpoints',
      targets: [],
      labels: { __meta_kubernetes_namespace: 'default', __meta_kubernetes_endpoints_name: 'testendpoints' },
    });
  });

  it('keeps a pod reference it cannot resolve as a plain target', () => {
    expect(endpointsTargetGroup(makePodEndpoints(), none, byKey(makeEndpointsPod('other'))).targets).toEqual([
      {
        __address__: '4.3.2.1:9000',
        __meta_kubernetes_endpoint_port_name: 'testport',
        __meta_kubernetes_endpoint_port_protocol: 'TCP',
        __meta_kubernetes_endpoint_ready: 'true',
        __meta_kubernetes_endpoint_address_target_kind: 'Pod',
        __meta_kubernetes_endpoint_address_target_name: 'testpod',
      },
    ]);
  });

  it('adds no uncovered-port targets for a pod without IP, and counts not-ready endpoints as covering', () => {
    const pod = makeEndpointsPod();
    pod.status = { hostIP: '2.3.4.5' };
    expect(endpointsTargetGroup(makePodEndpoints(), none, byKey(pod)).targets.map((t) => t.__address__)).toEqual(['4.3.2.1:9000']);
    const endpoints = makePodEndpoints('default', [{ name: 'side', port: 9001, protocol: 'TCP' }]);
    const subset = (endpoints.subsets as Obj[])[0]!;
    subset.notReadyAddresses = subset.addresses;
    subset.addresses = [];
    const targets = endpointsTargetGroup(endpoints, none, byKey(makeEndpointsPod())).targets;
    expect(targets.map((t) => [t.__address__, t.__meta_kubernetes_endpoint_ready, t.__meta_kubernetes_pod_container_name])).toEqual([
      ['4.3.2.1:9001', 'false', 'c2'],
      ['1.2.3.4:9000', undefined, 'c1'],
    ]);
  });

  it('takes the container labels from the last container declaring the endpoint port, as Prometheus', () => {
    const pod = makeEndpointsPod();
    pod.spec = {
      nodeName: 'testnode',
      containers: [
        { name: 'first', image: 'a', ports: [{ name: 'x', containerPort: 9000, protocol: 'TCP' }, { name: 'y', containerPort: 9000, protocol: 'UDP' }] },
        { name: 'second', image: 'b', ports: [{ name: 'z', containerPort: 9000, protocol: 'UDP' }] },
      ],
    };
    const [target] = endpointsTargetGroup(makePodEndpoints(), none, byKey(pod)).targets;
    expect(target).toMatchObject({ __meta_kubernetes_pod_container_name: 'second', __meta_kubernetes_pod_container_port_name: 'z', __meta_kubernetes_pod_container_port_protocol: 'TCP' });
  });

  it('brackets IPv6 endpoint addresses', () => {
    const endpoints = { metadata: { name: 'e', namespace: 'n' }, subsets: [{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80, protocol: 'TCP' }] }] };
    expect(endpointsTargetGroup(endpoints, none, none).targets[0]!.__address__).toBe('[fd00::5]:80');
  });
});

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

const AT = 'scrape_configs[0].kubernetes_sd_configs[0]';

/** The message of the config error `raw` must raise. */
function invalid(raw: unknown): string {
  try {
    parseKubernetesSdConfig(raw, AT);
  } catch (err) {
    expect(err).toBeInstanceOf(BraidError);
    expect((err as BraidError).code).toBe('BRAID_ERR_CONFIG_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected a config error');
}

describe('parseKubernetesSdConfig', () => {
  it('reads a minimal entry: in-cluster, all namespaces, no selectors', () => {
    expect(parseKubernetesSdConfig({ role: 'pod' }, AT)).toEqual({
      path: AT,
      role: 'pod',
      apiServer: undefined,
      namespaces: { names: [], ownNamespace: false },
      selectors: [],
      auth: { kind: 'none' },
      tls: { insecureSkipVerify: false },
    });
  });

  it('reads every supported key, resolving relative files against the config folder', () => {
    const config = parseKubernetesSdConfig(
      {
        role: 'endpoints',
        api_server: 'https://k8s.example:6443/',
        namespaces: { names: ['a', 'b'] },
        selectors: [
          { role: 'endpoints', label: 'app=web,tier!=db' },
          { role: 'pod', field: 'spec.nodeName=n1' },
          { role: 'service', label: 'environment in (production, qa),!canary', field: 'metadata.name!=x' },
        ],
        authorization: { credentials_file: 'secrets/token' },
        tls_config: { ca_file: '/etc/ca.pem', cert_file: 'c.pem', key_file: 'k.pem', server_name: 'k8s', insecure_skip_verify: false },
      },
      AT,
      '/etc/braid',
    );
    expect(config).toEqual({
      path: AT,
      role: 'endpoints',
      apiServer: 'https://k8s.example:6443',
      namespaces: { names: ['a', 'b'], ownNamespace: false },
      selectors: [
        { role: 'endpoints', label: 'app=web,tier!=db', field: '' },
        { role: 'pod', label: '', field: 'spec.nodeName=n1' },
        { role: 'service', label: 'environment in (production, qa),!canary', field: 'metadata.name!=x' },
      ],
      auth: { kind: 'authorization', type: 'Bearer', credentials: undefined, credentialsFile: '/etc/braid/secrets/token' },
      tls: { caFile: '/etc/ca.pem', certFile: '/etc/braid/c.pem', keyFile: '/etc/braid/k.pem', serverName: 'k8s', insecureSkipVerify: false },
    });
  });

  it('turns bearer_token and basic_auth into their authorization', () => {
    expect(parseKubernetesSdConfig({ role: 'service', api_server: 'http://h', bearer_token: 't' }, AT).auth).toEqual({ kind: 'authorization', type: 'Bearer', credentials: 't', credentialsFile: undefined });
    expect(parseKubernetesSdConfig({ role: 'service', api_server: 'http://h', basic_auth: { username: 'u', password_file: '/p' } }, AT).auth).toEqual({
      kind: 'basic',
      username: 'u',
      usernameFile: undefined,
      password: undefined,
      passwordFile: '/p',
    });
  });

  it('accepts own_namespace in-cluster and YAML nulls as absent', () => {
    expect(parseKubernetesSdConfig({ role: 'pod', namespaces: { own_namespace: true, names: null }, selectors: null }, AT).namespaces).toEqual({ names: [], ownNamespace: true });
  });

  it('rejects a missing role, and names the Prometheus roles that are not supported yet', () => {
    expect(invalid({})).toBe(`${AT}.role: missing (one of: pod, service, endpoints)`);
    expect(invalid({ role: 'node' })).toBe(`${AT}.role: role "node" is not supported yet (supported: pod, service, endpoints)`);
    expect(invalid({ role: 'endpointslice' })).toBe(`${AT}.role: role "endpointslice" is not supported yet (supported: pod, service, endpoints)`);
    expect(invalid({ role: 'pods' })).toBe(`${AT}.role: unknown Kubernetes SD role "pods" (one of: pod, service, endpoints)`);
    expect(invalid({ role: 3 })).toBe(`${AT}.role: expected a string`);
  });

  it('rejects unknown keys and the Prometheus keys Braid does not support yet', () => {
    expect(invalid({ role: 'pod', namespace: { names: ['a'] } })).toBe(`${AT}.namespace: unknown key`);
    expect(invalid({ role: 'pod', kubeconfig_file: '/k' })).toBe(`${AT}.kubeconfig_file: not supported yet`);
    expect(invalid({ role: 'pod', attach_metadata: { node: true } })).toBe(`${AT}.attach_metadata: not supported yet`);
    expect(invalid({ role: 'pod', namespaces: { names: ['a'], own: true } })).toBe(`${AT}.namespaces.own: unknown key`);
    expect(invalid({ role: 'pod', api_server: 'http://h', tls_config: { ca: 'PEM' } })).toBe(`${AT}.tls_config.ca: not supported yet`);
    expect(invalid('pod')).toBe(`${AT}: expected a mapping`);
  });

  it('asks for api_server with custom HTTP settings, and refuses it with own_namespace (Prometheus rules)', () => {
    expect(invalid({ role: 'pod', bearer_token: 't' })).toBe(`${AT}.api_server: to use custom HTTP client configuration please provide the 'api_server' URL explicitly`);
    expect(invalid({ role: 'pod', tls_config: { insecure_skip_verify: true } })).toBe(`${AT}.api_server: to use custom HTTP client configuration please provide the 'api_server' URL explicitly`);
    expect(invalid({ role: 'pod', api_server: 'https://h', namespaces: { own_namespace: true } })).toBe(
      `${AT}.namespaces.own_namespace: cannot use 'api_server' and 'namespaces.own_namespace' simultaneously`,
    );
  });

  it('rejects api_server values that are not http(s) URLs', () => {
    expect(invalid({ role: 'pod', api_server: 'k8s:6443' })).toBe(`${AT}.api_server: scheme must be http or https, got "k8s"`);
    expect(invalid({ role: 'pod', api_server: 'not a url' })).toBe(`${AT}.api_server: invalid URL "not a url"`);
    expect(invalid({ role: 'pod', api_server: 'https://h/?x=1' })).toBe(`${AT}.api_server: must not have a query or fragment`);
  });

  it('checks selectors as Prometheus does: per-role roles, no duplicates, parseable label and field selectors', () => {
    expect(invalid({ role: 'pod', selectors: [{ role: 'service', label: 'a=b' }] })).toBe(`${AT}.selectors[0].role: pod role supports only pod selectors`);
    expect(invalid({ role: 'endpoints', selectors: [{ role: 'node' }] })).toBe(`${AT}.selectors[0].role: endpoints role supports only pod, service, endpoints selectors`);
    expect(invalid({ role: 'pod', selectors: [{ role: 'pod', label: 'a' }, { role: 'pod', label: 'b' }] })).toBe(`${AT}.selectors[1].role: duplicated selector role: pod`);
    expect(invalid({ role: 'pod', selectors: [{ label: 'a' }] })).toBe(`${AT}.selectors[0].role: missing`);
    expect(invalid({ role: 'pod', selectors: [{ role: 'pod', label: 'app in ()' }] })).toBe(`${AT}.selectors[0].label: invalid label selector "app in ()": for 'in' the set of values cannot be empty`);
    expect(invalid({ role: 'pod', selectors: [{ role: 'pod', label: 'a=b=c' }] })).toBe(`${AT}.selectors[0].label: invalid label selector "a=b=c": expected "," found "="`);
    expect(invalid({ role: 'pod', selectors: [{ role: 'pod', label: 'a/b/c=d' }] })).toBe(`${AT}.selectors[0].label: invalid label selector "a/b/c=d": label key "a/b/c" has more than one "/"`);
    expect(invalid({ role: 'pod', selectors: [{ role: 'pod', label: 'app=-bad' }] })).toBe(`${AT}.selectors[0].label: invalid label selector "app=-bad": "-bad" is not a valid label value`);
    expect(invalid({ role: 'pod', selectors: [{ role: 'pod', field: 'spec.nodeName' }] })).toBe(`${AT}.selectors[0].field: invalid field selector "spec.nodeName": can't understand 'spec.nodeName'`);
    expect(invalid({ role: 'pod', selectors: [{ role: 'pod', field: 'a=b\\c' }] })).toBe(`${AT}.selectors[0].field: invalid field selector "a=b\\c": invalid escape sequence`);
  });

  it('accepts the label and field selector forms Kubernetes does', () => {
    const ok = (label: string, field = '') => parseKubernetesSdConfig({ role: 'pod', selectors: [{ role: 'pod', label, field }] }, AT).selectors[0];
    for (const label of ['', 'app', '!app', 'app=', 'app==web', 'k8s.io/app!=x', 'a in (x),b notin (y, z)', 'x > 5, y<-1', ' app = web , tier ']) expect(ok(label)?.label).toBe(label);
    for (const field of ['metadata.name=foo,status.phase!=Running', 'spec.nodeName=', 'a==b\\,c', 'x=y\\\\']) expect(ok('', field)?.field).toBe(field);
  });

  it('checks the authentication combinations and TLS files as Prometheus does', () => {
    const base = { role: 'pod', api_server: 'https://h' };
    expect(invalid({ ...base, bearer_token: 't', bearer_token_file: '/f' })).toBe(`${AT}.bearer_token_file: at most one of bearer_token & bearer_token_file must be configured`);
    expect(invalid({ ...base, bearer_token: 't', basic_auth: { username: 'u' } })).toBe(`${AT}.basic_auth: at most one of basic_auth, bearer_token & bearer_token_file must be configured`);
    expect(invalid({ ...base, bearer_token: 't', authorization: { credentials: 'c' } })).toBe(`${AT}.authorization: authorization is not compatible with bearer_token & bearer_token_file`);
    expect(invalid({ ...base, basic_auth: { username: 'u' }, authorization: { credentials: 'c' } })).toBe(`${AT}.authorization: at most one of basic_auth & authorization must be configured`);
    expect(invalid({ ...base, authorization: { type: 'Basic', credentials: 'c' } })).toBe(`${AT}.authorization.type: authorization type cannot be set to "basic", use "basic_auth" instead`);
    expect(invalid({ ...base, authorization: { credentials: 'c', credentials_file: '/f' } })).toBe(`${AT}.authorization.credentials_file: at most one of authorization credentials & credentials_file must be configured`);
    expect(invalid({ ...base, basic_auth: { username: 'u', password: 'p', password_file: '/p' } })).toBe(`${AT}.basic_auth.password_file: at most one of basic_auth password & password_file must be configured`);
    expect(invalid({ ...base, tls_config: { cert_file: '/c' } })).toBe(`${AT}.tls_config.key_file: must be configured when cert_file is`);
    expect(invalid({ ...base, tls_config: { insecure_skip_verify: 'yes' } })).toBe(`${AT}.tls_config.insecure_skip_verify: expected true or false`);
  });

  it('lists every problem of an entry in one error', () => {
    expect(invalid({ role: 'ingress', namespaces: { names: ['ok', 7] }, bearer_token: 't', selectors: 'pod' }).split('\n')).toEqual([
      `${AT}.role: role "ingress" is not supported yet (supported: pod, service, endpoints)`,
      `${AT}.namespaces.names[1]: expected a namespace name`,
      `${AT}.selectors: expected a list`,
      `${AT}.api_server: to use custom HTTP client configuration please provide the 'api_server' URL explicitly`,
    ]);
  });
});

describe('resolveKubernetesConnection', () => {
  const serviceAccount = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-k8s-sa-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };

  it('uses the service account in-cluster: KUBERNETES_SERVICE_HOST/PORT, token and CA; own namespace added', () => {
    const dir = serviceAccount({ token: 'tok\n', namespace: 'monitoring\n', 'ca.crt': 'PEM' });
    const config = parseKubernetesSdConfig({ role: 'pod', namespaces: { names: ['a', 'monitoring', 'a'], own_namespace: true } }, AT);
    expect(resolveKubernetesConnection(config, { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir)).toEqual({
      apiServer: 'https://10.96.0.1:443',
      auth: { kind: 'authorization', type: 'Bearer', credentialsFile: join(dir, 'token') },
      tls: { caFile: join(dir, 'ca.crt'), insecureSkipVerify: false },
      namespaces: ['a', 'monitoring'],
    });
    expect(resolveKubernetesConnection(parseKubernetesSdConfig({ role: 'pod' }, AT), { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, dir)).toMatchObject({
      apiServer: 'https://[fd00::1]:6443',
      namespaces: [''],
    });
  });

  it('fails at start-up outside a cluster, or without a readable token or namespace', () => {
    const config = parseKubernetesSdConfig({ role: 'pod', namespaces: { own_namespace: true } }, AT);
    expect(() => resolveKubernetesConnection(config, {}, '/nonexistent')).toThrow(
      `${AT}: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined (or set api_server)`,
    );
    const env = { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '1' };
    expect(() => resolveKubernetesConnection(config, env, '/nonexistent')).toThrow(`${AT}: unable to load in-cluster configuration: cannot read /nonexistent/token`);
    expect(() => resolveKubernetesConnection(config, env, serviceAccount({ token: 't', namespace: '\n' }))).toThrow(`${AT}.namespaces.own_namespace: could not read own namespace name (empty file)`);
  });

  it('keeps an explicit api_server and its settings; no names means all namespaces', () => {
    const config = parseKubernetesSdConfig({ role: 'service', api_server: 'http://127.0.0.1:8001', bearer_token: 'x' }, AT);
    expect(resolveKubernetesConnection(config, {})).toEqual({ apiServer: 'http://127.0.0.1:8001', auth: config.auth, tls: config.tls, namespaces: [''] });
  });
});

// ---------------------------------------------------------------------------------------------
// LIST and WATCH against a local server speaking the protocol
// ---------------------------------------------------------------------------------------------

type Resource = 'pods' | 'services' | 'endpoints';

interface Watcher {
  resource: Resource;
  namespace: string;
  res: ServerResponse;
}

interface Recorded {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/**
 * A stand-in for the API server: objects per resource, a resource version bumped by each change,
 * list (with pages when `pageSize` is set) and watch (newline-delimited JSON events), and hooks
 * to inject failures, expire watches and end them.
 */
class FakeApiServer {
  readonly objects: Record<Resource, Map<string, Obj>> = { pods: new Map(), services: new Map(), endpoints: new Map() };
  readonly watchers: Watcher[] = [];
  readonly requests: Recorded[] = [];
  /** Statuses to answer the next requests with, one each. */
  readonly failures: number[] = [];
  /** Answer the next watch request 410 Gone. */
  goneOnNextWatch = false;
  pageSize = 0;
  version = 100;
  url = '';
  readonly server: Server | HttpsServer;

  constructor(server?: Server | HttpsServer) {
    this.server = server ?? createServer();
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  async start(host = '127.0.0.1'): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    const scheme = this.server instanceof HttpsServer ? 'https' : 'http';
    this.url = `${scheme}://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Puts an object in place without telling watchers (as if the change happened during a gap). */
  put(resource: Resource, object: Obj): Obj {
    const copy = structuredClone(object);
    (copy.metadata as Obj).resourceVersion = String(++this.version);
    this.objects[resource].set(kubernetesObjectKey(copy), copy);
    return copy;
  }

  /** Applies a change as the API server would, and streams the event to the matching watches. */
  change(type: 'ADDED' | 'MODIFIED' | 'DELETED', resource: Resource, object: Obj): void {
    const copy = type === 'DELETED' ? structuredClone(object) : this.put(resource, object);
    if (type === 'DELETED') {
      this.objects[resource].delete(kubernetesObjectKey(copy));
      (copy.metadata as Obj).resourceVersion = String(++this.version);
    }
    this.send(resource, str((copy.metadata as Obj).namespace), { type, object: copy });
  }

  send(resource: Resource, namespace: string, event: unknown): void {
    for (const w of this.watchers) if (w.resource === resource && (w.namespace === '' || w.namespace === namespace)) w.res.write(`${JSON.stringify(event)}\n`);
  }

  /** Sends a raw line to every watch. */
  sendRaw(line: string): void {
    for (const w of this.watchers) w.res.write(line);
  }

  bookmark(resource: Resource, version: number): void {
    this.version = version;
    this.send(resource, '', { type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: String(version) } } });
  }

  /** What the API server does when a watch's resource version is too old. */
  expireWatches(): void {
    for (const w of this.watchers) w.res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' } })}\n`);
  }

  /** Ends every watch normally, as when timeoutSeconds is reached. */
  endWatches(): void {
    for (const w of this.watchers) w.res.end();
  }

  lists(resource?: Resource): Recorded[] {
    return this.requests.filter((r) => r.query.get('watch') !== '1' && (resource === undefined || r.path.endsWith(`/${resource}`)));
  }

  watches(): Recorded[] {
    return this.requests.filter((r) => r.query.get('watch') === '1');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    const failure = this.failures.shift();
    if (failure !== undefined) return this.json(res, failure, { kind: 'Status', status: 'Failure', code: failure, message: `injected ${failure}` });
    const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?(pods|services|endpoints)$/.exec(url.pathname);
    if (m === null) return this.json(res, 404, { kind: 'Status', code: 404, message: 'not found' });
    const namespace = m[1] ?? '';
    const resource = m[2] as Resource;
    if (url.searchParams.get('watch') === '1') {
      if (this.goneOnNextWatch) {
        this.goneOnNextWatch = false;
        return this.json(res, 410, { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      const watcher = { resource, namespace, res };
      this.watchers.push(watcher);
      res.on('close', () => this.watchers.splice(this.watchers.indexOf(watcher), 1));
      return;
    }
    const items = [...this.objects[resource].values()].filter((o) => namespace === '' || (o.metadata as Obj).namespace === namespace);
    const start = Number(url.searchParams.get('continue') ?? 0);
    const end = this.pageSize > 0 ? start + this.pageSize : items.length;
    const metadata: Obj = { resourceVersion: String(this.version) };
    if (end < items.length) metadata.continue = String(end);
    this.json(res, 200, { kind: 'List', apiVersion: 'v1', metadata, items: items.slice(start, end) });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');


async function waitFor<T>(probe: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts discovery of `raw` (api_server filled in) against `api`, collecting the updates. */
function discover(api: FakeApiServer, raw: Obj, log = captureLog().log) {
  const updates: TargetGroup[][] = [];
  const config: KubernetesSdConfig = parseKubernetesSdConfig({ api_server: api.url, ...raw }, AT);
  const discoverer: Discoverer = startKubernetesDiscovery(config, (groups) => updates.push(groups), log, { backoff: { initialMs: 5, maxMs: 20 }, watchTimeoutSeconds: 60 });
  cleanups.push(() => discoverer.stop());
  return { updates, discoverer, next: (n: number, what = `update ${n}`) => waitFor(() => updates.length >= n && updates[n - 1], what) };
}

async function fakeApi(server?: Server | HttpsServer): Promise<FakeApiServer> {
  const api = await new FakeApiServer(server).start();
  cleanups.push(() => api.close());
  return api;
}

const empty = (source: string): TargetGroup => ({ source, targets: [], labels: {} });

describe('startKubernetesDiscovery: pod role', () => {
  it('lists, sends every group at once, then follows ADDED, MODIFIED and DELETED from the listed version', async () => {
    const api = await fakeApi();
    api.put('pods', makePods('default', 'a'));
    api.put('pods', makePods('default', 'b'));
    const listVersion = String(api.version);
    const d = discover(api, { role: 'pod' });
    expect(await d.next(1)).toEqual([podTargetGroup(makePods('default', 'a')), podTargetGroup(makePods('default', 'b'))]);
    await waitFor(() => api.watchers.length === 1, 'the watch');
    expect(Object.fromEntries(api.watches()[0]!.query)).toEqual({ watch: '1', resourceVersion: listVersion, allowWatchBookmarks: 'true', timeoutSeconds: '60' });
    expect(api.lists()[0]!.path).toBe('/api/v1/pods');
    expect(api.lists()[0]!.query.get('limit')).toBe('500');

    api.change('ADDED', 'pods', makePods('default', 'c'));
    expect(await d.next(2)).toEqual([podTargetGroup(makePods('default', 'c'))]);
    const notReady = makePods('default', 'a');
    (notReady.status as Obj).conditions = [{ type: 'Ready', status: 'False' }];
    api.change('MODIFIED', 'pods', notReady);
    expect((await d.next(3))[0]!.labels.__meta_kubernetes_pod_ready).toBe('false');
    api.change('DELETED', 'pods', makePods('default', 'b'));
    expect(await d.next(4)).toEqual([empty('pod/default/b')]);
    expect(d.updates).toHaveLength(4);
    expect(api.lists()).toHaveLength(1);
  });

  it('sends nothing for an empty cluster until a pod appears', async () => {
    const api = await fakeApi();
    const d = discover(api, { role: 'pod' });
    await waitFor(() => api.watchers.length === 1, 'the watch');
    expect(d.updates).toEqual([]);
    api.change('ADDED', 'pods', makePods('default'));
    expect(await d.next(1)).toEqual([expectedPodTargetGroup('default')]);
  });

  it('lists again after a 410 ERROR event, sending empty groups for what was deleted meanwhile', async () => {
    const api = await fakeApi();
    api.put('pods', makePods('default', 'a'));
    api.put('pods', makePods('default', 'b'));
    const { log, lines } = captureLog();
    const d = discover(api, { role: 'pod' }, log);
    await d.next(1);
    await waitFor(() => api.watchers.length === 1, 'the watch');
    api.objects.pods.delete('default/b');
    api.put('pods', makePods('default', 'c'));
    api.expireWatches();
    expect(await d.next(2)).toEqual([podTargetGroup(makePods('default', 'a')), podTargetGroup(makePods('default', 'c')), empty('pod/default/b')]);
    expect(api.lists()).toHaveLength(2);
    expect(lines.filter((l) => l.msg === 'kubernetes watch expired; listing again')).toHaveLength(1);
  });

  it('lists again when the watch request itself is answered 410 Gone', async () => {
    const api = await fakeApi();
    api.put('pods', makePods('default', 'a'));
    api.goneOnNextWatch = true;
    const d = discover(api, { role: 'pod' });
    await d.next(1);
    await waitFor(() => api.watchers.length === 1, 'the second watch');
    expect(api.lists()).toHaveLength(2);
    expect(await d.next(2)).toEqual([podTargetGroup(makePods('default', 'a'))]);
  });

  it('resumes a watch the server ends from the last bookmark, without listing again', async () => {
    const api = await fakeApi();
    const d = discover(api, { role: 'pod' });
    await waitFor(() => api.watchers.length === 1, 'the watch');
    api.bookmark('pods', 500);
    api.change('ADDED', 'pods', makePods('default', 'a'));
    await d.next(1);
    api.bookmark('pods', 777);
    api.endWatches();
    await waitFor(() => api.watches().length === 2 && api.watchers.length === 1, 'the second watch');
    expect(api.watches()[1]!.query.get('resourceVersion')).toBe('777');
    expect(api.lists()).toHaveLength(1);
  });

  it('follows continue tokens across list pages', async () => {
    const api = await fakeApi();
    api.pageSize = 2;
    for (const name of ['a', 'b', 'c', 'd', 'e']) api.put('pods', makePods('default', name));
    const d = discover(api, { role: 'pod' });
    expect((await d.next(1)).map((g) => g.source)).toEqual(['a', 'b', 'c', 'd', 'e'].map((n) => `pod/default/${n}`));
    expect(api.lists().map((r) => r.query.get('continue'))).toEqual([null, '2', '4']);
  });

  it('watches each configured namespace with the role selector and the credentials', async () => {
    const api = await fakeApi();
    for (const ns of ['ns1', 'ns2', 'ns3']) api.put('pods', makePods(ns));
    const dir = mkdtempSync(join(tmpdir(), 'braid-k8s-token-'));
    writeFileSync(join(dir, 'token'), 'first-token\n');
    const d = discover(api, { role: 'pod', namespaces: { names: ['ns1', 'ns2'] }, selectors: [{ role: 'pod', label: 'app=web', field: 'spec.nodeName=n1' }], bearer_token_file: join(dir, 'token') });
    await waitFor(() => d.updates.flat().length === 2, 'both namespaces');
    expect(d.updates.flat().map((g) => g.source).sort()).toEqual(['pod/ns1/testpod', 'pod/ns2/testpod']);
    expect(api.lists().map((r) => r.path).sort()).toEqual(['/api/v1/namespaces/ns1/pods', '/api/v1/namespaces/ns2/pods']);
    for (const r of api.requests) {
      expect(r.query.get('labelSelector')).toBe('app=web');
      expect(r.query.get('fieldSelector')).toBe('spec.nodeName=n1');
      expect(r.headers.authorization).toBe('Bearer first-token');
      expect(r.headers.accept).toBe('application/json');
    }
    await waitFor(() => api.watchers.length === 2, 'both watches');
    writeFileSync(join(dir, 'token'), 'rotated-token\n');
    api.endWatches();
    await waitFor(() => api.watches().length === 4, 'the watches again');
    expect(api.watches().slice(2).map((r) => r.headers.authorization)).toEqual(['Bearer rotated-token', 'Bearer rotated-token']);
    api.change('ADDED', 'pods', makePods('ns3', 'other'));
    api.change('ADDED', 'pods', makePods('ns2', 'new'));
    expect(await d.next(3)).toEqual([podTargetGroup(makePods('ns2', 'new'))]);
  });

  it('logs API errors once, retries with backoff and recovers, never throwing', async () => {
    const api = await fakeApi();
    api.put('pods', makePods('default'));
    api.failures.push(500, 403, 503);
    const { log, lines } = captureLog();
    const d = discover(api, { role: 'pod' }, log);
    expect(await d.next(1)).toEqual([expectedPodTargetGroup('default')]);
    expect(api.lists()).toHaveLength(4);
    const warnings = lines.filter((l) => l.msg === 'kubernetes API request failed; retrying with backoff');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, resource: 'pods', namespace: '(all)', err: 'list /api/v1/pods: 500 Internal Server Error: injected 500' });
    expect(lines.filter((l) => l.msg === 'kubernetes API request failed again').map((l) => l.err)).toEqual([
      'list /api/v1/pods: 403 Forbidden: injected 403',
      'list /api/v1/pods: 503 Service Unavailable: injected 503',
    ]);
    expect(lines.filter((l) => l.msg === 'kubernetes API reachable again')).toHaveLength(1);
  });

  it('re-watches from the same version after a malformed event line, without listing again', async () => {
    const api = await fakeApi();
    api.put('pods', makePods('default', 'a'));
    const { log, lines } = captureLog();
    const d = discover(api, { role: 'pod' }, log);
    await d.next(1);
    await waitFor(() => api.watchers.length === 1, 'the watch');
    const version = api.watches()[0]!.query.get('resourceVersion');
    api.sendRaw('{"type":"ADDED","object":\n');
    await waitFor(() => api.watches().length === 2 && api.watchers.length === 1, 'the second watch');
    expect(api.watches()[1]!.query.get('resourceVersion')).toBe(version);
    expect(api.lists()).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'kubernetes API request failed; retrying with backoff' && String(l.err).includes('JSON'))).toBe(true);
    api.change('ADDED', 'pods', makePods('default', 'b'));
    expect((await d.next(2))[0]!.source).toBe('pod/default/b');
  });

  it('keeps discovering when the update handler throws, logging the failure', async () => {
    const api = await fakeApi();
    const { log, lines } = captureLog();
    const config = parseKubernetesSdConfig({ role: 'pod', api_server: api.url }, AT);
    const seen: string[] = [];
    const discoverer = startKubernetesDiscovery(config, (groups) => {
      seen.push(groups[0]!.source);
      if (seen.length === 1) throw new Error('consumer broke');
    }, log, { backoff: { initialMs: 5, maxMs: 20 } });
    cleanups.push(() => discoverer.stop());
    await waitFor(() => api.watchers.length === 1, 'the watch');
    api.change('ADDED', 'pods', makePods('default', 'a'));
    await waitFor(() => seen.length === 1, 'the first update');
    api.change('ADDED', 'pods', makePods('default', 'b'));
    await waitFor(() => seen.length === 2, 'the second update');
    expect(seen).toEqual(['pod/default/a', 'pod/default/b']);
    expect(lines.find((l) => l.msg === 'kubernetes_sd update handler failed')).toMatchObject({ level: 50, err: 'consumer broke' });
  });

  it('stops: closes its watches, sends nothing more, logs start and stop', async () => {
    const api = await fakeApi();
    const { log, lines } = captureLog();
    const d = discover(api, { role: 'pod', namespaces: { names: ['a', 'b'] } }, log);
    await waitFor(() => api.watchers.length === 2, 'the watches');
    await d.discoverer.stop();
    await waitFor(() => api.watchers.length === 0, 'the watches to close');
    api.change('ADDED', 'pods', makePods('a'));
    await new Promise((r) => setTimeout(r, 50));
    expect(d.updates).toEqual([]);
    expect(lines.map((l) => l.msg).filter((m) => String(m).startsWith('kubernetes_sd'))).toEqual(['kubernetes_sd started', 'kubernetes_sd stopped']);
    expect(lines[0]).toMatchObject({ component: 'kubernetes_sd', role: 'pod', api_server: api.url, namespaces: ['a', 'b'] });
  });
});

describe('startKubernetesDiscovery: service role', () => {
  it('lists and watches services', async () => {
    const api = await fakeApi();
    api.put('services', makeService('default'));
    const d = discover(api, { role: 'service' });
    expect(await d.next(1)).toEqual([serviceTargetGroup(makeService('default'))]);
    await waitFor(() => api.watchers.length === 1, 'the watch');
    expect(api.lists()[0]!.path).toBe('/api/v1/services');
    api.change('MODIFIED', 'services', makeMultiPortService());
    expect((await d.next(2))[0]!.targets).toHaveLength(2);
    api.change('DELETED', 'services', makeService('default'));
    expect(await d.next(3)).toEqual([empty('svc/default/testservice')]);
  });
});

describe('startKubernetesDiscovery: endpoints role', () => {
  it('joins endpoints with their service and pods, and rebuilds them when either changes', async () => {
    const api = await fakeApi();
    const pod = makeEndpointsPod();
    pod.status = { hostIP: '2.3.4.5', podIP: '1.2.3.4', phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] };
    api.put('endpoints', makePodEndpoints());
    api.put('services', { metadata: { name: 'testendpoints', namespace: 'default', labels: { app: 'v1' } } });
    api.put('pods', pod);
    const d = discover(api, { role: 'endpoints', selectors: [{ role: 'service', label: 'app' }] });
    const [initial] = await d.next(1);
    expect(initial!.source).toBe('endpoints/default/testendpoints');
    expect(initial!.labels.__meta_kubernetes_service_label_app).toBe('v1');
    expect(initial!.targets.map((t) => [t.__address__, t.__meta_kubernetes_pod_ready, t.__meta_kubernetes_pod_container_name])).toEqual([
      ['4.3.2.1:9000', 'false', 'c1'],
      ['1.2.3.4:9001', 'false', 'c2'],
    ]);
    expect(api.lists().map((r) => r.path).sort()).toEqual(['/api/v1/endpoints', '/api/v1/pods', '/api/v1/services']);
    expect(api.lists('services')[0]!.query.get('labelSelector')).toBe('app');
    expect(api.lists('pods')[0]!.query.get('labelSelector')).toBeNull();
    await waitFor(() => api.watchers.length === 3, 'the three watches');

    api.change('MODIFIED', 'services', { metadata: { name: 'testendpoints', namespace: 'default', labels: { app: 'v2' } } });
    expect((await d.next(2))[0]!.labels.__meta_kubernetes_service_label_app).toBe('v2');

    pod.status = { hostIP: '2.3.4.5', podIP: '1.2.3.4', phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    api.change('MODIFIED', 'pods', pod);
    expect((await d.next(3))[0]!.targets.map((t) => t.__meta_kubernetes_pod_ready)).toEqual(['true', 'true']);

    // Neither an unrelated pod nor a service without endpoints makes a group.
    api.change('ADDED', 'pods', makeEndpointsPod('elsewhere'));
    api.change('ADDED', 'services', makeService('default'));
    api.change('DELETED', 'services', { metadata: { name: 'testendpoints', namespace: 'default' } });
    const [withoutService] = await d.next(4);
    expect(withoutService!.labels).toEqual({ __meta_kubernetes_namespace: 'default', __meta_kubernetes_endpoints_name: 'testendpoints' });

    api.change('DELETED', 'endpoints', makePodEndpoints());
    expect(await d.next(5)).toEqual([empty('endpoints/default/testendpoints')]);
    expect(d.updates).toHaveLength(5);
  });

  it('stops rebuilding endpoints for a pod they no longer refer to', async () => {
    const api = await fakeApi();
    api.put('endpoints', makePodEndpoints());
    api.put('pods', makeEndpointsPod());
    const d = discover(api, { role: 'endpoints' });
    await d.next(1);
    await waitFor(() => api.watchers.length === 3, 'the three watches');
    api.change('MODIFIED', 'endpoints', { metadata: { name: 'testendpoints', namespace: 'default' }, subsets: [{ addresses: [{ ip: '9.9.9.9' }], ports: [{ port: 80 }] }] });
    expect((await d.next(2))[0]!.targets.map((t) => t.__address__)).toEqual(['9.9.9.9:80']);
    api.change('MODIFIED', 'pods', makeEndpointsPod());
    api.change('ADDED', 'endpoints', { metadata: { name: 'marker', namespace: 'default' } });
    expect((await d.next(3)).map((g) => g.source)).toEqual(['endpoints/default/marker']);
  });

  it('waits for all three lists before the first update', async () => {
    const api = await fakeApi();
    api.put('endpoints', makePodEndpoints());
    api.put('pods', makeEndpointsPod());
    api.failures.push(503, 503);
    const d = discover(api, { role: 'endpoints' });
    const [group] = await d.next(1);
    expect(group!.targets.map((t) => t.__meta_kubernetes_pod_name)).toEqual(['testpod', 'testpod']);
    expect(d.updates).toHaveLength(1);
  });
});

// Throwaway test-only certificates (EC P-256, valid until 2126): a CA, a server certificate for
// localhost/127.0.0.1 and a client certificate, both signed by the CA.
const CA_CRT = `-----BEGIN CERTIFICATE-----
MIIBhjCCAS2gAwIBAgIUWL/nNrn9AEca5Gd8Ts+Zxn7CBakwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNYnJhaWQtdGVzdC1jYTAgFw0yNjExMjMxODA2MjFaGA8yMTI2
MTAzMDE4MDYyMVowGDEWMBQGA1UEAwwNYnJhaWQtdGVzdC1jYTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABJ2mNxy7A3jHcOZ1MGLrRCVH2zWgufwgx432F4sLgDUo
OaewjQ2qsES4HVzHPPgP2xH4K/sGZa2JW9cUAhJzdaWjUzBRMB0GA1UdDgQWBBQg
zdHY0KzQpqNs9xOh4iOV7caBKTAfBgNVHSMEGDAWgBQgzdHY0KzQpqNs9xOh4iOV
7caBKTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIFinnug8N2yu
FNKalEBJrJ/Ud3rgxkgtlGjguqkWk+1uAiBV5EFfUW10+ri3RcFlYMkcs4Y5JbRy
CQvdf898JsJFuQ==
-----END CERTIFICATE-----
`;
const SERVER_CRT = `-----BEGIN CERTIFICATE-----
MIIBpDCCAUmgAwIBAgIUfJTJLUjs0RSVBkPxOO/nmNJbJs0wCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNYnJhaWQtdGVzdC1jYTAgFw0yNjExMjMxODA2MjFaGA8yMTI2
MTAzMDE4MDYyMVowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEv/rW12TlrjMB40X7SI7kW+Q+oP9N/VUHRHGApNqEhEElZTqw
SRT61tJqW/KO98HVv0aIWweDLV3X4l22wuhJyqNzMHEwGgYDVR0RBBMwEYIJbG9j
YWxob3N0hwR/AAABMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB0GA1UdDgQWBBTzNx3K
aqTk3iLxgST4TWaMbTA+tzAfBgNVHSMEGDAWgBQgzdHY0KzQpqNs9xOh4iOV7caB
KTAKBggqhkjOPQQDAgNJADBGAiEA3QKa2slOjvwTzd1M8FkaXAF45rMHhT+g/HAI
Iufz6qcCIQDF8CkCEMdReGZ6L6Pj7xB9gw0Tlvf2x88NnWR/5f4/Cw==
-----END CERTIFICATE-----
`;
const SERVER_KEY = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEINNAchR1LEcMxdq2KUNpck6J7J74LJMBYZl//0iaRVaZoAoGCCqGSM49
AwEHoUQDQgAEv/rW12TlrjMB40X7SI7kW+Q+oP9N/VUHRHGApNqEhEElZTqwSRT6
1tJqW/KO98HVv0aIWweDLV3X4l22wuhJyg==
-----END EC PRIVATE KEY-----
`;
const CLIENT_CRT = `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUfJTJLUjs0RSVBkPxOO/nmNJbJs4wCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNYnJhaWQtdGVzdC1jYTAgFw0yNjExMjMxODA2MjFaGA8yMTI2
MTAzMDE4MDYyMVowHDEaMBgGA1UEAwwRYnJhaWQtdGVzdC1jbGllbnQwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAS0ssMEOw4CWVelj4sUxLGWGB27vaZ91EEEGgMS
BRwYmywrxdf7QDhzkyuB+4bAgeU4QGM//Q5dwXv3trU+NC9Ho1cwVTATBgNVHSUE
DDAKBggrBgEFBQcDAjAdBgNVHQ4EFgQUNS80GdsvUoMhb4FPQu6MdHS7xJcwHwYD
VR0jBBgwFoAUIM3R2NCs0KajbPcToeIjle3GgSkwCgYIKoZIzj0EAwIDSAAwRQIh
AJCwDMXWGtiBo/PmPq8HfbNiglYhXFX+CimkKOFXLHMuAiBfwQdvWnosEz3RgxED
kSPSqIxeTVn+pEz59uc9MB/DCQ==
-----END CERTIFICATE-----
`;
const CLIENT_KEY = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEICe8bcn1hRf9wgACTNg3giKEfYkHROtnwFf1DRCjNAdloAoGCCqGSM49
AwEHoUQDQgAEtLLDBDsOAllXpY+LFMSxlhgdu72mfdRBBBoDEgUcGJssK8XX+0A4
c5MrgfuGwIHlOEBjP/0OXcF797a1PjQvRw==
-----END EC PRIVATE KEY-----
`;

describe('startKubernetesDiscovery over TLS', () => {
  const pemDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-k8s-tls-'));
    for (const [name, pem] of Object.entries({ 'ca.crt': CA_CRT, 'client.crt': CLIENT_CRT, 'client.key': CLIENT_KEY })) writeFileSync(join(dir, name), pem);
    return dir;
  };

  it('in-cluster: trusts the service account CA, sends its token, watches its own namespace', async () => {
    const api = await fakeApi(createHttpsServer({ cert: SERVER_CRT, key: SERVER_KEY }));
    api.put('pods', makePods('monitoring'));
    api.put('pods', makePods('default'));
    const dir = pemDir();
    writeFileSync(join(dir, 'token'), 'sa-token');
    writeFileSync(join(dir, 'namespace'), 'monitoring');
    const updates: TargetGroup[][] = [];
    const config = parseKubernetesSdConfig({ role: 'pod', namespaces: { own_namespace: true } }, AT);
    const port = new URL(api.url).port;
    const discoverer = startKubernetesDiscovery(config, (g) => updates.push(g), captureLog().log, {
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port },
      serviceAccountDir: dir,
      backoff: { initialMs: 5, maxMs: 20 },
    });
    cleanups.push(() => discoverer.stop());
    expect(await waitFor(() => updates[0], 'the first update')).toEqual([expectedPodTargetGroup('monitoring')]);
    expect(api.lists()[0]).toMatchObject({ path: '/api/v1/namespaces/monitoring/pods', headers: { authorization: 'Bearer sa-token' } });
  });

  it('tls_config: presents the client certificate to a server that requires one', async () => {
    const server = createHttpsServer({ cert: SERVER_CRT, key: SERVER_KEY, ca: CA_CRT, requestCert: true, rejectUnauthorized: true });
    const api = await fakeApi(server);
    api.put('services', makeService('default'));
    const dir = pemDir();
    const tls_config = { ca_file: join(dir, 'ca.crt'), cert_file: join(dir, 'client.crt'), key_file: join(dir, 'client.key') };
    const d = discover(api, { role: 'service', api_server: api.url.replace('127.0.0.1', 'localhost'), tls_config });
    expect(await d.next(1)).toEqual([serviceTargetGroup(makeService('default'))]);
  });

  it('logs a certificate the CA does not vouch for, and keeps trying', async () => {
    const api = await fakeApi(createHttpsServer({ cert: SERVER_CRT, key: SERVER_KEY }));
    api.put('pods', makePods('default'));
    const { log, lines } = captureLog();
    const d = discover(api, { role: 'pod', tls_config: { insecure_skip_verify: false } }, log);
    const warning = await waitFor(() => lines.find((l) => l.msg === 'kubernetes API request failed; retrying with backoff'), 'the warning');
    expect(String(warning.err)).toMatch(/certificate/);
    await waitFor(() => lines.filter((l) => l.msg === 'kubernetes API request failed again').length >= 2, 'the retries');
    expect(d.updates).toEqual([]);
    expect(api.requests).toEqual([]);
  });
});
