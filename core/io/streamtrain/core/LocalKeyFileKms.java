package io.streamtrain.core;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.crypto.KeyAccessDeniedException;
import org.apache.parquet.crypto.keytools.LocalWrapKmsClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Properties;

/**
 * A Parquet {@code KmsClient} for one machine: the master keys are read from a file (any Hadoop path, given as the
 * KMS instance URL) of {@code <key id> = <base64 AES key of 16, 24 or 32 bytes>} lines, and data keys are wrapped
 * locally by Parquet ({@code LocalWrapKmsClient}). For the embedded default; on a cluster name the KMS's own client.
 */
public final class LocalKeyFileKms extends LocalWrapKmsClient {

    private Properties keys;

    @Override
    protected void initializeInternal() {
        Path path = new Path(kmsInstanceURL);
        keys = new Properties();
        try (InputStream in = path.getFileSystem(hadoopConfiguration).open(path)) {
            keys.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the master-key file " + kmsInstanceURL, e);
        }
    }

    @Override
    protected byte[] getMasterKeyFromServer(String masterKeyIdentifier) throws KeyAccessDeniedException {
        String key = keys.getProperty(masterKeyIdentifier);
        if (key == null) {
            throw new KeyAccessDeniedException("The master-key file " + kmsInstanceURL + " has no key '"
                    + masterKeyIdentifier + "'");
        }
        return Base64.getDecoder().decode(key.trim());
    }
}
