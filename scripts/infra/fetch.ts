/** Downloads (through Maven Central, with `mvn`) into the cache dir; a second run finds everything and fetches nothing. */
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ES_VERSION, esZipPath, type InfraConfig, KAFKA_VERSION, kafkaLibsDir } from './paths.js';
import { InfraError, run, which } from './process.js';

/** Receives progress lines. */
export type Logger = (line: string) => void;

/** Absolute paths of the tools the harness runs. */
export interface Tools {
  java: string;
  mvn: string;
  /** The JDK home of `java` (for ES_JAVA_HOME). */
  javaHome: string;
}

/** Finds `java` and `mvn` on PATH, or throws a one-line InfraError saying what is missing. */
export function requireTools(): Tools {
  const java = which('java');
  const mvn = which('mvn');
  const missing = [java ? '' : 'java', mvn ? '' : 'mvn'].filter(Boolean);
  if (!java || !mvn) {
    throw new InfraError(`${missing.join(' and ')} not found on PATH; the harness needs both (install a JDK 17+ and Maven, e.g. apt-get install openjdk-17-jdk-headless maven)`);
  }
  const real = realpathSync(java);
  const javaHome = real.endsWith('/bin/java') ? real.slice(0, -'/bin/java'.length) : dirname(dirname(real));
  return { java, mvn, javaHome };
}

const KAFKA_POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>braid</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <!-- Kafka's slf4j-api is 1.7.x, so the slf4j 1.x binding (not log4j-slf4j2-impl). -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
`;

let mvnQueue: Promise<unknown> = Promise.resolve();

/** Runs mvn calls one at a time: concurrent mvn processes sharing a cold ~/.m2 can corrupt it. */
function mvnSerial(fn: () => Promise<string>): Promise<string> {
  const next = mvnQueue.then(fn, fn);
  mvnQueue = next.catch(() => undefined);
  return next;
}

/** Makes sure the Kafka runtime classpath is in the cache; returns the libs dir and whether it was fetched now. */
export async function fetchKafkaLibs(c: InfraConfig, tools: Tools, log: Logger): Promise<{ libs: string; fetched: boolean }> {
  const libs = kafkaLibsDir(c);
  if (existsSync(join(libs, `kafka_2.13-${KAFKA_VERSION}.jar`))) return { libs, fetched: false };
  const base = dirname(libs);
  const partial = `${libs}.partial`;
  mkdirSync(base, { recursive: true });
  rmSync(partial, { recursive: true, force: true });
  writeFileSync(join(base, 'pom.xml'), KAFKA_POM);
  log(`fetching Kafka ${KAFKA_VERSION} runtime via mvn into ${libs}`);
  await mvnSerial(() => run(
    tools.mvn,
    ['-q', '-B', '-f', join(base, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`, '-DincludeScope=runtime'],
    { logFile: join(base, 'mvn.log') },
  ));
  if (!readdirSync(partial).some((f) => f.startsWith('kafka_2.13-'))) throw new InfraError(`mvn did not produce kafka_2.13-${KAFKA_VERSION}.jar in ${partial}`);
  rmSync(libs, { recursive: true, force: true });
  renameSync(partial, libs);
  return { libs, fetched: true };
}

/** Makes sure the Elasticsearch zip is in the cache; returns its path and whether it was fetched now. */
export async function fetchEsZip(c: InfraConfig, tools: Tools, log: Logger): Promise<{ zip: string; fetched: boolean }> {
  const zip = esZipPath(c);
  if (existsSync(zip)) return { zip, fetched: false };
  const partial = join(c.cacheDir, 'es.partial');
  mkdirSync(c.cacheDir, { recursive: true });
  rmSync(partial, { recursive: true, force: true });
  log(`fetching Elasticsearch ${ES_VERSION} (~97 MB) via mvn into ${zip}`);
  await mvnSerial(() => run(
    tools.mvn,
    ['-q', '-B', 'dependency:copy', `-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip`, `-DoutputDirectory=${partial}`],
    { cwd: c.cacheDir, logFile: join(c.cacheDir, 'mvn-es.log') },
  ));
  const got = join(partial, `elasticsearch-${ES_VERSION}.zip`);
  if (!existsSync(got)) throw new InfraError(`mvn did not produce ${got}`);
  renameSync(got, zip);
  rmSync(partial, { recursive: true, force: true });
  return { zip, fetched: true };
}
