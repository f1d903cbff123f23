package dev.internvl.spring.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.springframework.context.annotation.AnnotationConfigUtils;
import org.springframework.web.context.support.GenericWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.DelegatingWebMvcConfiguration;

/**
 * The endpoints in a real Tomcat on a loopback port, behind {@link InternVLApiFilter}: for tests of what only a real
 * connection shows (a client that goes away, the bytes on the wire).
 */
final class LoopbackServer implements AutoCloseable {

    private final Tomcat tomcat;

    private LoopbackServer(Tomcat tomcat) {
        this.tomcat = tomcat;
    }

    /** Serves {@code controllers} with the filter of {@code settings}. */
    static LoopbackServer start(ApiSettings settings, Object... controllers) {
        GenericWebApplicationContext spring = new GenericWebApplicationContext();
        AnnotationConfigUtils.registerAnnotationConfigProcessors(spring);
        spring.registerBean(DelegatingWebMvcConfiguration.class);
        for (Object c : controllers) {
            @SuppressWarnings("unchecked")
            Class<Object> type = (Class<Object>) c.getClass();
            spring.registerBean(type, () -> c);
        }
        Tomcat tomcat = new Tomcat();
        try {
            tomcat.setBaseDir(Files.createTempDirectory("internvl-tomcat").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "dispatcher", new DispatcherServlet(spring)).setLoadOnStartup(1);
        context.addServletMappingDecoded("/", "dispatcher");
        FilterDef filter = new FilterDef();
        filter.setFilterName("internvl");
        filter.setFilter(new InternVLApiFilter(settings));
        context.addFilterDef(filter);
        FilterMap map = new FilterMap();
        map.setFilterName("internvl");
        map.addURLPattern("/v1/*");
        context.addFilterMap(map);
        try {
            tomcat.start();
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
        return new LoopbackServer(tomcat);
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    @Override
    public void close() {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
    }
}
